// One test per class of bad input in the top-level sections: each must be reported with the
// key, the line and a sentence that says what is wrong, and all problems are reported at once.
#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "config_test_support.hpp"
#include "daemon/config/config.hpp"

using namespace relais::daemon;
using relais::daemon::test::must_load;
using relais::daemon::test::problems_of;

namespace {

// The one problem of `text`, which must concern `key`.
ConfigProblem only_problem(std::string_view text, std::string_view key) {
  auto problems = problems_of(text);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].key == key);
  CHECK(problems[0].file == "relais.toml");
  return problems[0];
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("relais-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& content) const {
    std::ofstream(path / name) << content;
    return (path / name).string();
  }
};

}  // namespace

TEST_CASE("a TOML syntax error gives its line and column") {
  auto p = only_problem("[mail]\nmax_recipients = 10\nsmtp_listen = \"127.0.0.1:2525\n", "");
  CHECK(p.line == 3);
  CHECK(contains(p.message, "syntax error at column"));
}

TEST_CASE("an unknown key is reported with a suggestion when close to a known one") {
  auto p = only_problem("[mail]\n\nmax_mesage_bytes = 2048\n", "mail.max_mesage_bytes");
  CHECK(p.line == 3);
  CHECK(p.message == "unknown key (did you mean mail.max_message_bytes?)");
  CHECK(format_problem(p) ==
        "relais.toml:3: mail.max_mesage_bytes: unknown key (did you mean "
        "mail.max_message_bytes?)");
}

TEST_CASE("an unknown key far from any known one has no suggestion") {
  auto p = only_problem("[general]\ncolour = \"blue\"\n", "general.colour");
  CHECK(p.message == "unknown key");
}

TEST_CASE("a key in the wrong section points to the right one") {
  auto p = only_problem("[mail]\ntimezone = \"Europe/Paris\"\n", "mail.timezone");
  CHECK(contains(p.message, "did you mean general.timezone?"));
}

TEST_CASE("an unknown section is reported with a suggestion") {
  auto p = only_problem("[mial]\nmax_recipients = 3\n", "mial");
  CHECK(p.message == "unknown section (did you mean mail?)");
}

TEST_CASE("a value of the wrong type says which type was expected") {
  auto p = only_problem("[mail]\nmax_recipients = \"ten\"\n", "mail.max_recipients");
  CHECK(p.message == "must be a whole number, not a string");
  p = only_problem("[http]\nlisten = 8080\n", "http.listen");
  CHECK(p.message == "must be a string (in quotes), not an integer");
  p = only_problem("[mail]\nallowed_senders = \"example.org\"\n", "mail.allowed_senders");
  CHECK(contains(p.message, "must be a list of strings"));
  p = only_problem("[outbox]\nbackoff_max_seconds = 1.5\n", "outbox.backoff_max_seconds");
  CHECK(p.message == "must be a whole number of seconds, not a decimal number");
  p = only_problem("mail = 3\n", "mail");
  CHECK(contains(p.message, "must be a table"));
}

TEST_CASE("a number out of bounds gives the bounds and the value") {
  auto p = only_problem("[mail]\nmax_message_bytes = 12\n", "mail.max_message_bytes");
  CHECK(format_problem(p) ==
        "relais.toml:2: mail.max_message_bytes: must be between 1024 and 1073741824 (got 12)");
  p = only_problem("[workflow]\npublish_delay_minutes = 43201\n", "workflow.publish_delay_minutes");
  CHECK(p.message == "must be between 0 and 43200 (got 43201)");
  p = only_problem("[mail.relay]\nport = 0\n", "mail.relay.port");
  CHECK(p.message == "must be between 1 and 65535 (got 0)");
}

TEST_CASE("a bad enumeration value lists the allowed ones") {
  auto p = only_problem("[mail.relay]\ntls = \"ssl\"\n", "mail.relay.tls");
  CHECK(p.message == "must be one of: starttls, implicit, none (got \"ssl\")");
  p = only_problem("[general]\nlanguage = \"de\"\n", "general.language");
  CHECK(p.message == "must be one of: fr, en (got \"de\")");
}

TEST_CASE("a bad email address is refused") {
  auto p = only_problem("[referent]\naddress = \"referent.example.org\"\n", "referent.address");
  CHECK(p.message ==
        "\"referent.example.org\" is not a valid email address (expected name@domain)");
  p = only_problem("[mail]\nfrom_address = \"a@b@example.org\"\n", "mail.from_address");
  CHECK(contains(p.message, "is not a valid email address"));
  p = only_problem("[mail]\ntakedown_address = \"droit@exa mple.org\"\n", "mail.takedown_address");
  CHECK(contains(p.message, "the domain is not valid"));
  p = only_problem("[mail]\nallowed_senders = [\"example.org\", \"bad domain\"]\n",
                   "mail.allowed_senders");
  CHECK(p.message == "\"bad domain\" is neither a domain nor an email address");
}

TEST_CASE("a bad listen address is refused") {
  auto p = only_problem("[http]\nlisten = \"8080\"\n", "http.listen");
  CHECK(contains(p.message, "must be host:port"));
  p = only_problem("[mail]\nsmtp_listen = \"127.0.0.1:99999\"\n", "mail.smtp_listen");
  CHECK(contains(p.message, "no valid port"));
  p = only_problem("[http]\nlisten = \"unix:/run/relais/http\"\n", "http.listen");
  CHECK(contains(p.message, "unix socket is not accepted here"));
  p = only_problem("[mail]\nlmtp_listen = \"::1:24\"\n", "mail.lmtp_listen");
  CHECK(contains(p.message, "brackets"));
  p = only_problem("[mail]\nlmtp_listen = \"unix:\"\n", "mail.lmtp_listen");
  CHECK(contains(p.message, "socket path"));
}

TEST_CASE("good listen addresses are accepted") {
  auto result = load_config_string(
      "[http]\nlisten = \"[::1]:8080\"\n[mail]\nsmtp_listen = \"0.0.0.0:25\"\n"
      "lmtp_listen = \"localhost:2424\"\n",
      "ok.toml");
  CHECK(std::holds_alternative<Config>(result));
}

TEST_CASE("a bad public URL is refused, and credentials in it too") {
  auto p = only_problem("[http]\npublic_url = \"relais.example.org\"\n", "http.public_url");
  CHECK(contains(p.message, "must be an http:// or https:// URL"));
  p = only_problem("[http]\npublic_url = \"https://user:pw@relais.example.org\"\n",
                   "http.public_url");
  CHECK(contains(p.message, "must not contain credentials"));
  CHECK(!contains(p.message, "pw@"));
}

TEST_CASE("a relay password file that does not exist or is not a file is refused") {
  TempDir dir;
  auto p = only_problem(
      "[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"relais\"\n"
      "password_file = \"" +
          (dir.path / "missing").string() + "\"\n",
      "mail.relay.password_file");
  CHECK(contains(p.message, "does not exist"));
  p = only_problem(
      "[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"relais\"\n"
      "password_file = \"" +
          dir.path.string() + "\"\n",
      "mail.relay.password_file");
  CHECK(contains(p.message, "is not a regular file"));
  std::string good = dir.file("smtp-password", "hunter2\n");
  auto result = load_config_string(
      "[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"relais\"\npassword_file = \"" +
          good + "\"\n",
      "ok.toml");
  REQUIRE(std::holds_alternative<Config>(result));
  CHECK(std::get<Config>(result).relay.password_file == good);
}

TEST_CASE("a secret file without read permission is refused") {
  if (::geteuid() == 0) {
    return;  // root reads any file; the directory case above covers "not readable" for root
  }
  TempDir dir;
  std::string secret = dir.file("token.key", "k");
  std::filesystem::permissions(secret, std::filesystem::perms::none);
  auto p =
      only_problem("[security]\ntoken_key_file = \"" + secret + "\"\n", "security.token_key_file");
  CHECK(contains(p.message, "is not readable"));
}

TEST_CASE("a secret written inline is refused without quoting it") {
  auto p = only_problem("[mail.relay]\npassword = \"hunter2\"\n", "mail.relay.password");
  CHECK(p.message == "secrets must be read from a file: use password_file");
  CHECK(!contains(format_problem(p), "hunter2"));
  p = only_problem("[security]\ntoken_key = \"abc\"\n", "security.token_key");
  CHECK(p.message == "secrets must be read from a file: use token_key_file");
}

TEST_CASE("tls = none is refused for a relay that is not on the loopback") {
  auto p =
      only_problem("[mail.relay]\nhost = \"smtp.example.org\"\ntls = \"none\"\n", "mail.relay.tls");
  CHECK(contains(p.message, "only for a loopback relay host"));
  CHECK(p.line == 3);
}

TEST_CASE("a relay user name without a password file is refused") {
  only_problem("[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"relais\"\n",
               "mail.relay.password_file");
}

TEST_CASE("the referent address must differ from the submission address") {
  auto p = only_problem("[referent]\naddress = \"Publications@Example.org\"\n", "referent.address");
  CHECK(contains(p.message, "must differ from mail.submission_address"));
  only_problem("[referent]\nbackup_address = \"publications@example.org\"\n",
               "referent.backup_address");
}

TEST_CASE("an unknown time zone is refused") {
  auto p = only_problem("[general]\ntimezone = \"Europe/Pariss\"\n", "general.timezone");
  CHECK(contains(p.message, "is not a known time zone"));
  p = only_problem("[general]\ntimezone = \"../../etc/passwd\"\n", "general.timezone");
  CHECK(contains(p.message, "is not a time zone name"));
}

TEST_CASE("default_channels must name configured channels") {
  auto p = only_problem("[workflow]\ndefault_channels = [\"site\", \"facebook\"]\n",
                        "workflow.default_channels");
  CHECK(p.message ==
        "names channel \"facebook\", but there is no [channels.facebook] table (configured: site)");
}

TEST_CASE("the first retry delay may not exceed the longest one") {
  only_problem("[outbox]\nbackoff_initial_seconds = 600\nbackoff_max_seconds = 60\n",
               "outbox.backoff_initial_seconds");
}

TEST_CASE("an empty required value is refused") {
  auto p = only_problem("[general]\nstate_dir = \"\"\n", "general.state_dir");
  CHECK(p.message == "must not be empty");
}

TEST_CASE("every problem is reported at once") {
  auto problems = problems_of(
      "[mail]\nmax_message_bytes = 1\nmax_recipients = 0\n[general]\nlanguage = \"xx\"\n"
      "[bogus]\n");
  CHECK(problems.size() == 4);
}

TEST_CASE("a missing or unreadable configuration file is one problem") {
  auto result = load_config_file("/nonexistent/relais.toml");
  REQUIRE(std::holds_alternative<std::vector<ConfigProblem>>(result));
  auto problems = std::get<std::vector<ConfigProblem>>(result);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].file == "/nonexistent/relais.toml");
  TempDir dir;
  result = load_config_file(dir.path);
  REQUIRE(std::holds_alternative<std::vector<ConfigProblem>>(result));
  CHECK(contains(std::get<std::vector<ConfigProblem>>(result)[0].message, "is a directory"));
}
