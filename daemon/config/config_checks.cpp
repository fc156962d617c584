// Syntax checks of configuration values (see config_checks.hpp). Only check_time_zone and
// check_secret_file touch the file system, and only to look; nothing is read.
#include "daemon/config/config_checks.hpp"
#include "workflow/loopback.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace relais::daemon::config_checks {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  while (true) {
    auto dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    if (std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) {
      break;
    }
    s.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool is_ipv6(std::string_view s) {
  if (s.size() < 2 || s.find(':') == std::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
  });
}

bool is_port(std::string_view s) {
  int port = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  return ec == std::errc{} && end == s.data() + s.size() && port >= 1 && port <= 65535;
}

// Splits "host:port" / "[v6]:port"; false when there is no port.
bool split_host_port(std::string_view value, std::string_view& host, std::string_view& port) {
  auto colon = value.rfind(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  host = value.substr(0, colon);
  port = value.substr(colon + 1);
  return true;
}

// "[::1]" -> "::1"; other hosts unchanged. Rejects a bare IPv6 address (needs brackets).
std::string check_host_part(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return is_ipv6(host.substr(1, host.size() - 2)) ? "" : "is not a valid IPv6 address";
  }
  if (host.find(':') != std::string_view::npos) {
    return "an IPv6 address must be written in brackets, e.g. [::1]:8080";
  }
  return check_host(host);
}

}  // namespace

std::string check_domain(std::string_view value) {
  if (value.empty() || value.size() > 253) {
    return "is not a valid domain name";
  }
  std::string_view rest = value;
  while (true) {
    auto dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
      return "is not a valid domain name";
    }
    if (dot == std::string_view::npos) {
      // A top-level domain is never all digits: "1.2.3.999" is a bad address, not a name.
      bool digits =
          std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
      return digits ? "is not a valid domain name" : "";
    }
    rest.remove_prefix(dot + 1);
  }
}

std::string check_email(std::string_view value) {
  auto at = value.find('@');
  if (at == std::string_view::npos || value.find('@', at + 1) != std::string_view::npos) {
    return "is not a valid email address (expected name@domain)";
  }
  std::string_view local = value.substr(0, at);
  constexpr std::string_view specials = "!#$%&'*+/=?^_`{|}~-.";
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos ||
      !std::all_of(local.begin(), local.end(), [&](char c) {
        return is_alnum(c) || specials.find(c) != std::string_view::npos;
      })) {
    return "is not a valid email address (expected name@domain)";
  }
  if (!check_domain(value.substr(at + 1)).empty()) {
    return "is not a valid email address (the domain is not valid)";
  }
  return "";
}

std::string check_host(std::string_view value) {
  if (is_ipv4(value) || check_domain(value).empty()) {
    return "";
  }
  if (is_ipv6(value)) {
    return "";
  }
  return "is not a valid host name or IP address";
}

std::string check_address(std::string_view value, bool allow_unix) {
  if (value.starts_with("unix:")) {
    if (!allow_unix) {
      return "must be host:port (a unix socket is not accepted here)";
    }
    return value.size() > 5 ? ""
                            : "must name a socket path after unix:, e.g. unix:/run/relais/lmtp";
  }
  std::string_view host, port;
  const char* expected = allow_unix ? "must be host:port or unix:/path, e.g. 127.0.0.1:2424"
                                    : "must be host:port, e.g. 127.0.0.1:8080";
  if (!split_host_port(value, host, port) || host.empty()) {
    return expected;
  }
  if (!is_port(port)) {
    return "has no valid port (1 to 65535)";
  }
  if (std::string bad = check_host_part(host); !bad.empty()) {
    return "host " + bad;
  }
  return "";
}

std::string url_host(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "";
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    return close == std::string_view::npos ? "" : std::string(authority.substr(1, close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

std::string check_url(std::string_view value, bool https_unless_loopback) {
  bool https = value.starts_with("https://");
  if (!https && !value.starts_with("http://")) {
    return "must be an http:// or https:// URL";
  }
  std::string_view rest = value.substr(value.find("://") + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain credentials: secrets must be read from a file";
  }
  if (authority.empty()) {
    return "has no host";
  }
  // The port follows the last ':' unless that ':' is inside an IPv6 literal's brackets.
  std::string_view host = authority;
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos &&
      (authority.front() == '[' || authority.find(':') == colon)) {
    host = authority.substr(0, colon);
    if (!is_port(authority.substr(colon + 1))) {
      return "has no valid port (1 to 65535)";
    }
  }
  if (std::string bad = check_host_part(host); !bad.empty()) {
    return "host " + bad;
  }
  if (value.find_first_of(" \t\r\n") != std::string_view::npos) {
    return "must not contain spaces";
  }
  if (https_unless_loopback && !https && !is_loopback_host(url_host(value))) {
    return "must use https:// (http:// is accepted only for a loopback host)";
  }
  return "";
}

bool is_loopback_host(std::string_view host) {
  return relais::is_loopback_host(host);
}

std::string check_time_zone(std::string_view value) {
  if (value.empty() || value.front() == '/' || value.find("..") != std::string_view::npos) {
    return "is not a time zone name (e.g. Europe/Paris)";
  }
  std::error_code ec;
  auto path = std::filesystem::path("/usr/share/zoneinfo") / std::string(value);
  if (!std::filesystem::is_regular_file(path, ec)) {
    return "is not a known time zone (no /usr/share/zoneinfo/" + std::string(value) + ")";
  }
  return "";
}

std::string check_secret_file(std::string_view path) {
  std::error_code ec;
  std::filesystem::path p{std::string(path)};
  auto status = std::filesystem::status(p, ec);
  if (ec || !std::filesystem::exists(status)) {
    return "file " + std::string(path) + " does not exist";
  }
  if (!std::filesystem::is_regular_file(status)) {
    return "file " + std::string(path) + " is not a regular file";
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return "file " + std::string(path) + " is not readable: " + std::strerror(errno);
  }
  return "";
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring letters ("titel" -> "title") each count one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates,
                                   std::size_t max_distance) {
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace relais::daemon::config_checks
