// The pure value checks behind the configuration messages: email, domain, host, listen
// address, URL, loopback, time zone, secret file and the "did you mean" distance.
#include <doctest/doctest.h>

#include "daemon/config/config_checks.hpp"
#include "daemon/config/config_keys.hpp"

using namespace relais::daemon::config_checks;

TEST_CASE("email addresses") {
  CHECK(check_email("referent@example.org").empty());
  CHECK(check_email("first.last+tag@sub.example.org").empty());
  CHECK(!check_email("").empty());
  CHECK(!check_email("example.org").empty());
  CHECK(!check_email("@example.org").empty());
  CHECK(!check_email("a@").empty());
  CHECK(!check_email("a@@example.org").empty());
  CHECK(!check_email(".a@example.org").empty());
  CHECK(!check_email("a..b@example.org").empty());
  CHECK(!check_email("a b@example.org").empty());
  CHECK(!check_email("a@-example.org").empty());
  CHECK(!check_email("a@example..org").empty());
}

TEST_CASE("domains and hosts") {
  CHECK(check_domain("example.org").empty());
  CHECK(check_domain("xn--mairie-6ya.fr").empty());
  CHECK(!check_domain("exa mple.org").empty());
  CHECK(!check_domain("example.org.").empty());
  CHECK(!check_domain(std::string(64, 'a') + ".org").empty());
  CHECK(check_host("127.0.0.1").empty());
  CHECK(check_host("smtp.example.org").empty());
  CHECK(check_host("::1").empty());
  CHECK(!check_host("1.2.3.999").empty());
  CHECK(!check_host("smtp.example.org:587").empty());
}

TEST_CASE("listen addresses") {
  CHECK(check_address("127.0.0.1:2525", false).empty());
  CHECK(check_address("[::1]:2525", false).empty());
  CHECK(check_address("localhost:1", false).empty());
  CHECK(check_address("unix:/run/relais/lmtp", true).empty());
  CHECK(!check_address("unix:/run/relais/lmtp", false).empty());
  CHECK(!check_address(":2525", false).empty());
  CHECK(!check_address("127.0.0.1", false).empty());
  CHECK(!check_address("127.0.0.1:", false).empty());
  CHECK(!check_address("127.0.0.1:0", false).empty());
  CHECK(!check_address("127.0.0.1:65536", false).empty());
  CHECK(!check_address("127.0.0.1:25x", false).empty());
  CHECK(!check_address("[zz]:25", false).empty());
}

TEST_CASE("URLs") {
  CHECK(check_url("http://127.0.0.1:8080", false).empty());
  CHECK(check_url("https://relais.example.org/base/", false).empty());
  CHECK(check_url("https://[::1]:8443/x", true).empty());
  CHECK(check_url("http://localhost:9000", true).empty());
  CHECK(check_url("http://[::1]/hook", true).empty());
  CHECK(!check_url("http://example.org", true).empty());
  CHECK(check_url("http://example.org", false).empty());
  CHECK(!check_url("ftp://example.org", false).empty());
  CHECK(!check_url("https://", false).empty());
  CHECK(!check_url("https://example.org:99999/", false).empty());
  CHECK(!check_url("https://u:p@example.org/", false).empty());
  CHECK(!check_url("https://exa mple.org/", false).empty());
  CHECK(url_host("https://[::1]:8443/x") == "::1");
  CHECK(url_host("https://example.org:8443/x") == "example.org");
}

TEST_CASE("loopback hosts") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("localhost"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("[::1]"));
  CHECK(!is_loopback_host("127.example.org"));
  CHECK(!is_loopback_host("10.0.0.1"));
}

TEST_CASE("time zones") {
  CHECK(check_time_zone("Europe/Paris").empty());
  CHECK(check_time_zone("UTC").empty());
  CHECK(!check_time_zone("Europe/Atlantis").empty());
  CHECK(!check_time_zone("/etc/passwd").empty());
  CHECK(!check_time_zone("Europe/../../etc/passwd").empty());
  CHECK(!check_time_zone("Europe").empty());  // a directory, not a zone
}

TEST_CASE("secret files") {
  CHECK(check_secret_file(RELAIS_SOURCE_DIR "/etc/relais.toml").empty());
  CHECK(check_secret_file("/nonexistent/secret").find("does not exist") != std::string::npos);
  CHECK(check_secret_file(RELAIS_SOURCE_DIR).find("not a regular file") != std::string::npos);
}

TEST_CASE("edit distance and suggestions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("mail", "mial") == 1);
  CHECK(edit_distance("titel", "title") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  std::vector<std::string> candidates{"mail.max_message_bytes", "mail.max_recipients"};
  CHECK(closest("mail.max_mesage_bytes", candidates, 3) == "mail.max_message_bytes");
  CHECK(!closest("general.colour", candidates, 3).has_value());
}

TEST_CASE("inline secret names") {
  using relais::daemon::config_keys::is_inline_secret_name;
  CHECK(is_inline_secret_name("password"));
  CHECK(is_inline_secret_name("access_token"));
  CHECK(is_inline_secret_name("client_secret"));
  CHECK(is_inline_secret_name("api_key"));
  CHECK(!is_inline_secret_name("password_file"));
  CHECK(!is_inline_secret_name("token_key_file"));
  CHECK(!is_inline_secret_name("username"));
}
