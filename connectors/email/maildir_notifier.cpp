// MaildirNotifier: tmp/ -> fsync -> rename into new/ -> fsync new/, skipping Message-IDs that are
// already delivered. Every system call failure becomes a transient Error naming the step; the
// partial file in tmp/ is removed. Log lines carry the id hash, never an address.
#include "connectors/email/maildir_notifier.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "workflow/sha256.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::email {
namespace fs = std::filesystem;

namespace {

std::shared_ptr<spdlog::logger> log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("mail");
    return existing ? existing : spdlog::default_logger()->clone("mail");
  }();
  return logger;
}

Error io_error(std::string_view step, int err) {
  return transient(
      fmt::format("the outbox Maildir could not be written ({}: {})", step, std::strerror(err)));
}

// The host part of a Maildir name: '/' and ':' (and ',' which we use for fields) are escaped as
// the Maildir convention says, as octal.
std::string maildir_host() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
    return "localhost";
  }
  std::string out;
  for (const char* p = buf; *p != '\0'; ++p) {
    switch (*p) {
      case '/':
        out += "\\057";
        break;
      case ':':
        out += "\\072";
        break;
      case ',':
        out += "\\054";
        break;
      default:
        out += *p;
    }
  }
  return out;
}

Result<void> ensure_dirs(const fs::path& dir) {
  for (const fs::path& d : {dir, dir / "tmp", dir / "new", dir / "cur"}) {
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
      return io_error(fmt::format("mkdir {}", d.string()), errno);
    }
  }
  return {};
}

bool has_line_break_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool dir_has_tag(const fs::path& dir, std::string_view tag) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::size_t pos = name.find(tag);
    // The tag ends the unique part: then the name ends, or ":2,FLAGS" or another ",X=" field.
    if (pos != std::string::npos) {
      std::size_t after = pos + tag.size();
      if (after == name.size() || name[after] == ':' || name[after] == ',') {
        return true;
      }
    }
  }
  return false;
}

std::string delivery_headers(const OutgoingMail& mail) {
  std::string out = fmt::format("Return-Path: <{}>\n", mail.envelope_from);
  std::string all;
  for (const std::string& r : mail.recipients) {
    out += fmt::format("Delivered-To: {}\n", r);
    all += (all.empty() ? "" : ",\n ") + r;
  }
  out += fmt::format("X-Relais-Envelope-To: {}\n", all);
  return out;
}

std::string to_lf(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
      continue;
    }
    out += data[i];
  }
  return out;
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return io_error("write", errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return io_error("open new/", errno);
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return io_error("fsync new/", err);
  }
  return {};
}

}  // namespace

MaildirNotifier::MaildirNotifier(fs::path dir) : dir_(std::move(dir)), host_(maildir_host()) {}

Result<std::unique_ptr<MaildirNotifier>> MaildirNotifier::open(fs::path dir) {
  if (auto r = ensure_dirs(dir); !r) {
    return r.error();
  }
  return std::make_unique<MaildirNotifier>(std::move(dir));
}

std::string MaildirNotifier::message_id_tag(std::string_view message_id) {
  return ",H=" + workflow::sha256_hex(message_id).substr(0, 32);
}

bool MaildirNotifier::delivered(std::string_view message_id) const {
  std::string tag = message_id_tag(message_id);
  return dir_has_tag(dir_ / "new", tag) || dir_has_tag(dir_ / "cur", tag);
}

Result<void> MaildirNotifier::send(const OutgoingMail& mail) {
  if (mail.message_id.empty() || has_line_break_or_nul(mail.message_id)) {
    return invalid_input("the mail has no usable Message-ID");
  }
  if (mail.recipients.empty()) {
    return invalid_input("the mail has no recipient");
  }
  for (const std::string& r : mail.recipients) {
    if (r.empty() || has_line_break_or_nul(r)) {
      return invalid_input("a recipient address is empty or contains a line break");
    }
  }
  if (has_line_break_or_nul(mail.envelope_from)) {
    return invalid_input("the envelope sender contains a line break");
  }
  if (mail.data.empty()) {
    return invalid_input("the mail has no content");
  }

  const std::string tag = message_id_tag(mail.message_id);
  std::lock_guard lock(mutex_);
  if (auto r = ensure_dirs(dir_); !r) {
    return r;
  }
  if (delivered(mail.message_id)) {
    log()->info("maildir duplicate skipped id_hash={}", tag.substr(3, 12));
    return {};
  }

  const std::string content = delivery_headers(mail) + to_lf(mail.data);
  std::string name;
  fs::path tmp_path;
  int fd = -1;
  for (int attempt = 0; attempt < 5 && fd < 0; ++attempt) {
    auto now = workflow::wall_now().time_since_epoch();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(now);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs);
    name = fmt::format("{}.M{}P{}Q{}.{}{}", secs.count(), micros.count(), ::getpid(), ++sequence_,
                       host_, tag);
    tmp_path = dir_ / "tmp" / name;
    fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      return io_error("create tmp/ file", errno);
    }
  }
  if (fd < 0) {
    return io_error("create tmp/ file", EEXIST);
  }

  auto fail = [&](Error e) -> Result<void> {
    if (fd >= 0) {
      ::close(fd);
    }
    ::unlink(tmp_path.c_str());
    log()->error("maildir delivery failed id_hash={} error=\"{}\"", tag.substr(3, 12), e.message);
    return e;
  };
  if (auto r = write_all(fd, content); !r) {
    return fail(r.error());
  }
  if (::fsync(fd) != 0) {
    return fail(io_error("fsync", errno));
  }
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) {
    return fail(io_error("close", errno));
  }
  const fs::path new_path = dir_ / "new" / name;
  if (::rename(tmp_path.c_str(), new_path.c_str()) != 0) {
    return fail(io_error("rename into new/", errno));
  }
  if (auto r = fsync_dir(dir_ / "new"); !r) {
    // The file is in new/ already; only its durability across a power loss is in doubt, and a
    // retry finds it and does not write it twice.
    return r;
  }
  log()->info("maildir delivered id_hash={} recipients={} bytes={}", tag.substr(3, 12),
              mail.recipients.size(), content.size());
  return {};
}

}  // namespace relais::connectors::email
