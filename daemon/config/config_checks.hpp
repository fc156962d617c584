// Pure syntax checks of configuration values (email, domain, listen address, URL, host,
// time zone, secret file) and the "did you mean" helper. Each check returns an empty
// string when the value is fine, or the sentence that says what is wrong.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relais::daemon::config_checks {

std::string check_email(std::string_view value);
std::string check_domain(std::string_view value);
std::string check_host(std::string_view value);
// "host:port"; "unix:/path" too when allow_unix.
std::string check_address(std::string_view value, bool allow_unix);
// http:// or https://host[:port][/path]; with https_unless_loopback, http:// only for a
// loopback host. Credentials in the URL are refused (secrets go in files).
std::string check_url(std::string_view value, bool https_unless_loopback);
// A name of the tz database: /usr/share/zoneinfo/NAME must be a file.
std::string check_time_zone(std::string_view value);
// The file must exist, be a regular file and be readable by this process. Never reads it.
std::string check_secret_file(std::string_view path);

bool is_loopback_host(std::string_view host);
// The host part of a URL ("" when the URL does not parse).
std::string url_host(std::string_view url);

std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if at most `max_distance` edits away (a likely typo).
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates,
                                   std::size_t max_distance);

}  // namespace relais::daemon::config_checks
