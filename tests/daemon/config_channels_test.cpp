// [channels.NAME] tables: validated per type, with defaults filled in; network channels need
// an https base_url (http only on the loopback) and readable secret files.
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

ConfigProblem only_problem(const std::string& text, std::string_view key) {
  auto problems = problems_of(text);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].key == key);
  return problems[0];
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

struct SecretFile {
  std::filesystem::path path;
  SecretFile() {
    path = std::filesystem::temp_directory_path() /
           ("relais-channel-secret-" + std::to_string(::getpid()));
    std::ofstream(path) << "token\n";
  }
  ~SecretFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("a site channel gets its defaults, and public_url follows http.public_url") {
  Config c = must_load(
      "[http]\npublic_url = \"https://relais.example.org/\"\n"
      "[channels.intranet]\ntype = \"site\"\ntitle = \"News\"\n"
      "[workflow]\ndefault_channels = [\"intranet\"]\n");
  REQUIRE(c.channels.size() == 1);
  const ChannelConfig& site = c.channels[0];
  CHECK(site.name == "intranet");
  CHECK(site.settings.at("dir") == "var/site");
  CHECK(site.settings.at("title") == "News");
  CHECK(site.settings.at("public_url") == "https://relais.example.org/site/");
}

TEST_CASE("a mastodon channel with https base_url and a readable token loads") {
  SecretFile token;
  Config c = must_load(
      "[channels.site]\ntype = \"site\"\n[channels.mastodon]\n"
      "type = \"mastodon\"\nbase_url = \"https://mastodon.example\"\n"
      "access_token_file = \"" +
      token.path.string() + "\"\n");
  const ChannelConfig* m = find_channel(c, "mastodon");
  REQUIRE(m != nullptr);
  CHECK(m->type == "mastodon");
  CHECK(m->settings.at("base_url") == "https://mastodon.example");
  CHECK(m->settings.at("access_token_file") == token.path.string());
  CHECK(m->settings.at("visibility") == "public");
}

TEST_CASE("network channels: default base_url, loopback http, extra secret files") {
  SecretFile token;
  std::string file = token.path.string();
  Config c = must_load(
      "[channels.site]\ntype = \"site\"\n"
      "[channels.fb]\ntype = \"facebook\"\npage_id = \"123\"\naccess_token_file = \"" +
      file + "\"\napp_secret_file = \"" + file +
      "\"\n"
      "[channels.hook]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9000/hook\"\n"
      "secret_file = \"" +
      file +
      "\"\n"
      "[channels.li]\ntype = \"linkedin\"\norganization_urn = \"urn:li:organization:1\"\n"
      "access_token_file = \"" +
      file +
      "\"\n"
      "[channels.x]\ntype = \"x\"\nclient_id = \"abc\"\nclient_secret_file = \"" +
      file + "\"\nrefresh_token_file = \"" + file + "\"\n");
  CHECK(find_channel(c, "fb")->settings.at("base_url") == "https://graph.facebook.com");
  CHECK(find_channel(c, "fb")->settings.at("app_secret_file") == file);
  CHECK(find_channel(c, "hook")->settings.at("url") == "http://127.0.0.1:9000/hook");
  CHECK(find_channel(c, "x")->settings.at("base_url") == "https://api.x.com");
  CHECK(c.channels.size() == 5);
}

TEST_CASE("an unknown channel type lists the known ones") {
  auto p =
      only_problem("[channels.site]\ntype = \"site\"\n[channels.insta]\ntype = \"instagram\"\n",
                   "channels.insta.type");
  CHECK(p.line == 4);
  CHECK(contains(p.message, "unknown channel type \"instagram\""));
  CHECK(contains(p.message, "site, facebook, linkedin, x, mastodon, webhook"));
  p = only_problem("[channels.site]\ntype = \"sit\"\n", "channels.site.type");
  CHECK(contains(p.message, "did you mean \"site\"?"));
}

TEST_CASE("a channel without a type is refused") {
  auto p = only_problem("[channels.site]\ndir = \"var/site\"\n", "channels.site");
  CHECK(contains(p.message, "needs type = one of"));
}

TEST_CASE("a channel secret file that does not exist is refused") {
  auto p = only_problem(
      "[channels.site]\ntype = \"site\"\n[channels.m]\ntype = \"mastodon\"\n"
      "base_url = \"https://mastodon.example\"\n"
      "access_token_file = \"/nonexistent/token\"\n",
      "channels.m.access_token_file");
  CHECK(p.message == "file /nonexistent/token does not exist");
}

TEST_CASE("a channel secret written inline is refused without quoting it") {
  auto p = only_problem(
      "[channels.site]\ntype = \"site\"\n[channels.m]\ntype = \"mastodon\"\n"
      "base_url = \"https://mastodon.example\"\n"
      "access_token = \"s3cr3t\"\n",
      "channels.m.access_token");
  CHECK(p.message == "secrets must be read from a file: use access_token_file");
  CHECK(!contains(format_problem(p), "s3cr3t"));
}

TEST_CASE("a missing required channel key is refused") {
  auto problems =
      problems_of("[channels.site]\ntype = \"site\"\n[channels.m]\ntype = \"mastodon\"\n");
  REQUIRE(problems.size() == 2);  // base_url and access_token_file
  CHECK(contains(problems[0].message, "needs base_url"));
  CHECK(contains(problems[1].message, "needs access_token_file"));
}

TEST_CASE("a network base_url must be https unless on the loopback") {
  SecretFile token;
  auto p = only_problem(
      "[channels.site]\ntype = \"site\"\n[channels.m]\ntype = \"mastodon\"\n"
      "base_url = \"http://mastodon.example\"\n"
      "access_token_file = \"" +
          token.path.string() + "\"\n",
      "channels.m.base_url");
  CHECK(contains(p.message, "must use https://"));
}

TEST_CASE("an unknown channel key is reported with a suggestion") {
  auto p =
      only_problem("[channels.site]\ntype = \"site\"\ntitel = \"News\"\n", "channels.site.titel");
  CHECK(p.message == "unknown key for a site channel (did you mean title?)");
}

TEST_CASE("a bad channel name or a channel that is not a table is refused") {
  auto p = only_problem("[channels.site]\ntype = \"site\"\n[channels.Site2]\ntype = \"site\"\n",
                        "channels.Site2");
  CHECK(contains(p.message, "a-z, 0-9"));
  p = only_problem("[channels]\nsite = \"site\"\n", "channels.site");
  CHECK(contains(p.message, "must be a table"));
}

TEST_CASE("an empty [channels] table leaves default_channels naming nothing") {
  only_problem("[channels]\n", "workflow.default_channels");
}
