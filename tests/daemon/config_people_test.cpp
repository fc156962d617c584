// Working hours, [people.NAME] and [chat.NAME]: loaded, and every mistake named.
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

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("working hours: the default, a person's own, a chat") {
  const auto path =
      std::filesystem::temp_directory_path() / ("relais-chat-url-" + std::to_string(::getpid()));
  std::ofstream(path) << "https://example.webhook.office.com/webhookb2/x\n";
  const Config c = must_load(
      "[working_hours]\ndefault = \"lun-ven 09:00-17:00\"\npublic_holidays = \"alsace-moselle\"\n"
      "[people.marie]\naddress = \"marie@example.org\"\n"
      "working_hours = \"mon-thu 08:30-12:00 13:30-17:30; fri 08:30-12:00\"\n"
      "[chat.equipe]\nkind = \"teams\"\nurl_file = \"" +
      path.string() + "\"\n");
  CHECK(c.working_hours.default_week == "lun-ven 09:00-17:00");
  CHECK(c.working_hours.public_holidays == "alsace-moselle");
  REQUIRE(c.people.size() == 1);
  CHECK(c.people[0].name == "marie");
  CHECK(c.people[0].settings.at("address") == "marie@example.org");
  REQUIRE(c.chats.size() == 1);
  CHECK(c.chats[0].settings.at("kind") == "teams");
  CHECK(c.chats[0].list("people").empty());
  std::filesystem::remove(path);
}

TEST_CASE("the defaults: Monday to Friday, 08:30 to 18:00, French holidays") {
  const Config c = must_load("");
  CHECK(c.working_hours.default_week == "mon-fri 08:30-18:00");
  CHECK(c.working_hours.public_holidays == "france");
  CHECK(c.referent.remind_after_working_hours == 4);
  CHECK(c.referent.escalate_after_working_hours == 8);
  CHECK(c.people.empty());
  CHECK(c.chats.empty());
}

TEST_CASE("bad working hours are named with their key") {
  auto p = problems_of("[working_hours]\ndefault = \"mon-fri 8h30-18h\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "working_hours.default");
  CHECK(contains(p[0].message, "not a span of hours"));

  p = problems_of(
      "[people.marie]\naddress = \"marie@example.org\"\nworking_hours = \"weekdays\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "people.marie.working_hours");

  p = problems_of(
      "[people.a]\naddress = \"marie@example.org\"\n[people.b]\naddress = "
      "\"Marie@example.org\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "people.b.address");
  CHECK(contains(p[0].message, "another [people.NAME] table has this address"));

  p = problems_of("[people.marie]\nworking_hours = \"mon-fri 08:00-12:00\"\n");
  REQUIRE(p.size() == 1);
  CHECK(contains(p[0].message, "needs address"));

  p = problems_of("[people.Marie]\naddress = \"marie@example.org\"\n");
  REQUIRE(p.size() == 1);
  CHECK(contains(p[0].message, "may hold only a-z"));

  p = problems_of("[working_hours]\npublic_holidays = \"germany\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "working_hours.public_holidays");
}

TEST_CASE("a chat needs its kind and its URL file; the URL is never inline") {
  auto p = problems_of("[chat.equipe]\nkind = \"discord\"\nurl_file = \"/nonexistent/url\"\n");
  REQUIRE(p.size() == 2);
  p = problems_of("[chat.equipe]\nkind = \"slack\"\n");
  REQUIRE(p.size() == 1);
  CHECK(contains(p[0].message, "needs url_file"));
}
