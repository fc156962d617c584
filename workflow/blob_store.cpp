// POSIX file I/O for durable writes; errors carry errno's text.
#include "workflow/blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "workflow/sha256.hpp"

namespace relais::workflow {
namespace {

Error io_error(std::string_view what, const std::filesystem::path& p) {
  return transient(fmt::format("{} {}: {}", what, p.string(), std::strerror(errno)));
}

Result<void> fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return io_error("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return io_error("cannot fsync directory", dir);
  return {};
}

}  // namespace

Result<void> write_file_durably(const std::filesystem::path& target, std::string_view bytes,
                                unsigned mode) {
  static std::atomic<unsigned> sequence{0};
  const auto dir = target.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return transient(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  const auto tmp = dir / fmt::format(".tmp.{}.{}", ::getpid(), sequence++);
  ::unlink(tmp.c_str());  // left by a killed process of the same pid: never written through
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0)
    return io_error("cannot create", tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = io_error("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto err = io_error("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    auto err = io_error("cannot rename into", target);
    ::unlink(tmp.c_str());
    return err;
  }
  return fsync_dir(dir);
}

std::filesystem::path BlobStore::path_of(std::string_view sha) const {
  return dir_ / std::string(sha.substr(0, 2)) / std::string(sha.substr(2));
}

Result<std::string> BlobStore::put(std::string_view bytes) const {
  std::string sha = sha256_hex(bytes);
  const auto target = path_of(sha);
  std::error_code ec;
  if (std::filesystem::exists(target, ec) &&
      std::filesystem::file_size(target, ec) == bytes.size()) {
    return sha;
  }
  if (auto r = write_file_durably(target, bytes); !r)
    return r.error();
  return sha;
}

std::size_t BlobStore::collect_orphans(const std::function<bool(const std::string&)>& keep) const {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& sub : std::filesystem::directory_iterator(dir_, ec)) {
    const auto prefix = sub.path().filename().string();
    if (!sub.is_directory() || prefix.size() != 2)
      continue;
    for (const auto& f : std::filesystem::directory_iterator(sub.path(), ec)) {
      const auto name = f.path().filename().string();
      const bool temporary = name.starts_with(".tmp.");
      if (temporary || !keep(prefix + name)) {
        std::filesystem::remove(f.path(), ec);
        if (!ec)
          ++removed;
      }
    }
  }
  return removed;
}

Result<void> BlobStore::remove(std::string_view sha) const {
  // Only a SHA-256 in hex names a blob: nothing else may turn into a path to unlink.
  if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return invalid_input("not a SHA-256 in hex");
  const auto p = path_of(sha);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot delete", p);
  return {};
}

Result<std::string> BlobStore::get(std::string_view sha) const {
  const auto p = path_of(sha);
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return permanent(fmt::format("missing blob {}", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace relais::workflow
