// [mail.imap] (one account) and [mail.imap.NAME] (several): defaults filled in, a password or
// the three OAuth2 keys, clear text only to this machine, and the usual typo hints.
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

struct Secret {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("relais-imap-secret-" + std::to_string(::getpid()));
  Secret() { std::ofstream(path) << "secret\n"; }
  ~Secret() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("imap config: none by default; one account with its defaults") {
  CHECK(must_load("").mail.imap_accounts.empty());
  Secret secret;
  const auto c = must_load(
      "[mail.imap]\nhost = \"imap.example.org\"\n"
      "username = \"publications@example.org\"\npassword_file = \"" +
      secret.path.string() + "\"\n");
  REQUIRE(c.mail.imap_accounts.size() == 1);
  const auto& a = c.mail.imap_accounts[0];
  CHECK(a.name == "imap");
  CHECK(a.settings.at("port") == "993");
  CHECK(a.settings.at("tls") == "implicit");
  CHECK(a.settings.at("mailbox") == "INBOX");
  CHECK(a.settings.at("done_mailbox") == "relais/traités");
  CHECK(a.settings.at("idle_minutes") == "25");
}

TEST_CASE("imap config: several accounts, one per [mail.imap.NAME]") {
  Secret secret;
  const std::string auth =
      "username = \"u@example.org\"\npassword_file = \"" + secret.path.string() + "\"\n";
  const auto c = must_load("[mail.imap.submissions]\nhost = \"imap.example.org\"\n" + auth +
                           "[mail.imap.takedowns]\nhost = \"127.0.0.1\"\nport = 1143\n"
                           "tls = \"none\"\nmailbox = \"Droit à l'image\"\n" +
                           auth);
  REQUIRE(c.mail.imap_accounts.size() == 2);
  CHECK(c.mail.imap_accounts[0].name == "submissions");
  CHECK(c.mail.imap_accounts[1].name == "takedowns");
  CHECK(c.mail.imap_accounts[1].settings.at("mailbox") == "Droit à l'image");
}

TEST_CASE("imap config: each mistake named where it is") {
  Secret secret;
  const std::string password = "password_file = \"" + secret.path.string() + "\"\n";
  struct Case {
    std::string text;
    std::string key;
    std::string says;
  };
  for (const auto& k : std::vector<Case>{
           {"[mail.imap]\nusername = \"u\"\n" + password, "mail.imap", "needs host"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\n", "mail.imap",
            "needs password_file, or oauth2_token_url"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\n" + password +
                "oauth2_client_id = \"x\"\n",
            "mail.imap", "XOAUTH2 needs"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\n" + password +
                "tls = \"none\"\n",
            "mail.imap.tls", "only for a server on this machine"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\n" + password +
                "tls = \"ssl\"\n",
            "mail.imap.tls", "implicit"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\n" + password +
                "mailbx = \"INBOX\"\n",
            "mail.imap.mailbx", "did you mean mailbox?"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\npassword = \"x\"\n",
            "mail.imap.password", "must be read from a file"},
           {"[mail.imap]\nhost = \"h.example.org\"\nusername = \"u\"\n" + password +
                "idle_minutes = 30\n",
            "mail.imap.idle_minutes", "29"},
           {"[mail.imap.a]\nhost = \"h.example.org\"\nusername = \"u\"\n"
            "password_file = \"/nonexistent/imap-password\"\n",
            "mail.imap.a.password_file", ""},
       }) {
    CAPTURE(k.text);
    const auto problems = problems_of(k.text);
    REQUIRE(problems.size() == 1);  // one mistake, one problem
    MESSAGE(format_problem(problems[0]));
    CHECK(problems[0].key == k.key);
    CHECK(problems[0].message.find(k.says) != std::string::npos);
  }
}

TEST_CASE("relay config: XOAUTH2 needs its three keys and a username, not a password too") {
  Secret secret;
  const std::string file = secret.path.string();
  const auto c = must_load(
      "[mail.relay]\nhost = \"smtp.office365.com\"\nusername = \"p@example.org\"\n"
      "oauth2_token_url = \"https://login.example.org/token\"\n"
      "oauth2_client_id = \"app\"\noauth2_refresh_token_file = \"" +
      file + "\"\n");
  CHECK(c.relay.oauth2_scope == "https://outlook.office.com/SMTP.Send offline_access");
  CHECK(c.relay.oauth2_refresh_token_file == file);

  auto p = problems_of(
      "[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"p@example.org\"\n"
      "oauth2_token_url = \"https://login.example.org/token\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].message.find("oauth2_client_id") != std::string::npos);
  p = problems_of(
      "[mail.relay]\nhost = \"smtp.example.org\"\n"
      "oauth2_token_url = \"https://login.example.org/token\"\n"
      "oauth2_client_id = \"app\"\noauth2_refresh_token_file = \"" +
      file + "\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "mail.relay.username");
  p = problems_of(
      "[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"p@example.org\"\n"
      "password_file = \"" +
      file +
      "\"\n"
      "oauth2_token_url = \"https://login.example.org/token\"\n"
      "oauth2_client_id = \"app\"\noauth2_refresh_token_file = \"" +
      file + "\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].message.find("not both") != std::string::npos);
  // A refresh token file that does not exist: one problem, about that file.
  p = problems_of(
      "[mail.relay]\nhost = \"smtp.example.org\"\nusername = \"p@example.org\"\n"
      "oauth2_token_url = \"https://login.example.org/token\"\n"
      "oauth2_client_id = \"app\"\noauth2_refresh_token_file = \"/nonexistent/rt\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "mail.relay.oauth2_refresh_token_file");
}
