// Durable file operations for the site (temporary file, fsync, rename, fsync of the directory).
// Every failure is returned as an Error with a sentence naming the file; nothing throws.
#include "connectors/site/site_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <array>
#include <system_error>
#include <utility>

namespace relais::connectors::site {
namespace fs = std::filesystem;

namespace {

Error disk_error(std::string_view what, const fs::path& path, int err) {
  return transient(fmt::format("Could not {} {}: {}.", what, path.string(), std::strerror(err)));
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<void> write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return disk_error("write", path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// A temporary file next to `target`, removed on scope exit unless committed.
class TempFile {
 public:
  explicit TempFile(const fs::path& target) {
    std::string pattern =
        (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    err_ = fd_ < 0 ? errno : 0;
    path_ = pattern;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (err_ == 0 && !committed_) {
      ::unlink(path_.c_str());
    }
  }
  int fd() const { return fd_; }
  int open_error() const { return err_; }

  // fchmod, fsync, close, rename over `target`, fsync the directory.
  Result<void> commit(const fs::path& target) {
    if (::fchmod(fd_, 0644) != 0) {
      return disk_error("set the mode of", path_, errno);
    }
    if (::fsync(fd_) != 0) {
      return disk_error("flush", path_, errno);
    }
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) {
      return disk_error("close", path_, errno);
    }
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      return disk_error("rename a temporary file to", target, errno);
    }
    committed_ = true;
    return fsync_directory(target.parent_path());
  }

 private:
  fs::path path_;
  int fd_ = -1;
  int err_ = 0;
  bool committed_ = false;
};

}  // namespace

Result<void> ensure_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return disk_error("create the directory", dir, ec.value());
  }
  return {};
}

Result<void> fsync_directory(const fs::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return disk_error("open the directory", dir, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return disk_error("flush the directory", dir, errno);
  }
  return {};
}

Result<void> write_file_atomically(const fs::path& target, std::string_view content) {
  TempFile tmp(target);
  if (tmp.fd() < 0) {
    return disk_error("create a temporary file for", target, tmp.open_error());
  }
  if (auto r = write_all(tmp.fd(), content, target); !r) {
    return r;
  }
  return tmp.commit(target);
}

Result<std::uint64_t> copy_file_atomically(const fs::path& source, const fs::path& target) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return permanent(fmt::format("The media file {} is missing.", source.string()));
    }
    return disk_error("open the media file", source, err);
  }
  TempFile tmp(target);
  if (tmp.fd() < 0) {
    return disk_error("create a temporary file for", target, tmp.open_error());
  }
  std::array<char, 64 * 1024> buf{};
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return disk_error("read the media file", source, errno);
    }
    if (n == 0) {
      break;
    }
    if (auto r = write_all(tmp.fd(), {buf.data(), static_cast<std::size_t>(n)}, target); !r) {
      return r.error();
    }
    total += static_cast<std::uint64_t>(n);
  }
  if (auto r = tmp.commit(target); !r) {
    return r.error();
  }
  return total;
}

Result<std::optional<std::string>> read_file(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return std::optional<std::string>{};
    }
    return disk_error("open", path, errno);
  }
  std::string out;
  std::array<char, 64 * 1024> buf{};
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return disk_error("read", path, errno);
    }
    if (n == 0) {
      break;
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return std::optional<std::string>(std::move(out));
}

Result<void> remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return disk_error("remove", path, errno);
  }
  return {};
}

}  // namespace relais::connectors::site
