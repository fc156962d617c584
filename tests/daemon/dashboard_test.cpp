// The dashboard's pure parts: calendar spans, the ICS feed's escaping and folding, cookies and
// who may log in.
#include <doctest/doctest.h>

#include "daemon/dashboard_session.hpp"
#include "daemon/dashboard_views.hpp"
#include "daemon/ics_feed.hpp"
#include "daemon/local_time.hpp"

using namespace relais::daemon;
using namespace std::chrono;
using relais::workflow::Request;
using relais::workflow::State;
using relais::workflow::TimePoint;

TEST_CASE("a week starts on Monday; a month view covers whole weeks") {
  auto week = calendar_span(2026y / November / 25, false);  // a Wednesday
  CHECK(year_month_day(week.first) == 2026y / November / 23);
  CHECK(week.days == 7);
  week = calendar_span(2026y / November / 29, false);  // a Sunday belongs to the week before
  CHECK(year_month_day(week.first) == 2026y / November / 23);
  week = calendar_span(2026y / November / 23, false);
  CHECK(year_month_day(week.first) == 2026y / November / 23);

  const auto month = calendar_span(2026y / November / 10, true);  // 1 Nov 2026 is a Sunday
  CHECK(year_month_day(month.first) == 2026y / October / 26);
  CHECK(month.days == 42);                                      // Oct 26 .. Dec 6
  const auto feb = calendar_span(2027y / February / 14, true);  // 1 Feb 2027 is a Monday
  CHECK(year_month_day(feb.first) == 2027y / February / 1);
  CHECK(feb.days == 28);
}

TEST_CASE("ICS text values are escaped and lines folded at 75 octets without cutting UTF-8") {
  CHECK(ics_text("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf");
  CHECK(ics_text(std::string("x\x01y\x7fz")) == "x y z");

  Request r;
  r.id = 7;
  r.reference = "PUB-2026-0042";
  r.state = State::scheduled;
  r.version = 3;
  r.subject = std::string(40, 'a') + " Fête de l'été, «\u00a0grand\u00a0» succès éèàùçœ";
  r.text = "Ligne 1\nLigne 2";
  r.publish_at = TimePoint(sys_days(2026y / November / 27) + 9h + 30min);
  r.updated_at = r.publish_at.value() - 24h;
  r.channels = {{"site", {}, "", "", ""}, {"masto", {}, "", "", ""}};
  Request draft = r;
  draft.reference = "PUB-2026-0043";
  draft.state = State::awaiting_approval;  // not on the calendar
  const auto ics =
      render_ics({r, draft}, {"Publications", "https://relais.example.org", "example.org", "fr"},
                 TimePoint(sys_days(2026y / November / 24)));
  CHECK(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  CHECK(ics.ends_with("END:VCALENDAR\r\n"));
  CHECK(ics.find("UID:PUB-2026-0042@example.org\r\n") != std::string::npos);
  CHECK(ics.find("PUB-2026-0043") == std::string::npos);
  CHECK(ics.find("DTSTART:20261127T093000Z\r\n") != std::string::npos);
  CHECK(ics.find("SEQUENCE:3\r\n") != std::string::npos);
  CHECK(ics.find("URL:https://relais.example.org/d/requests/7\r\n") != std::string::npos);
  std::size_t start = 0;
  std::string unfolded;
  while (start < ics.size()) {
    const auto end = ics.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    const std::string line = ics.substr(start, end - start);
    CHECK(line.size() <= 75);
    // A folded line never starts inside a UTF-8 sequence.
    if (line.starts_with(" ") && line.size() > 1)
      CHECK((static_cast<unsigned char>(line[1]) & 0xC0) != 0x80);
    unfolded += line.starts_with(" ") ? line.substr(1) : "\n" + line;
    start = end + 2;
  }
  CHECK(unfolded.find("SUMMARY:Publication PUB-2026-0042 — " + std::string(40, 'a') +
                      " Fête de l'été\\, «\u00a0grand\u00a0» succès éèàùçœ") != std::string::npos);
  CHECK(unfolded.find("DESCRIPTION:État: Programmée\\nRéseaux: site\\, masto\\n") !=
        std::string::npos);
}

TEST_CASE("a text that is not UTF-8 is still folded, and the feed's end is reached") {
  Request r;
  r.reference = "PUB-2026-0001";
  r.state = State::scheduled;
  r.publish_at = TimePoint(sys_days(2026y / November / 27));
  r.subject = std::string(300, '\x80');  // continuation bytes only
  const auto ics = render_ics({r}, {"P", "https://x", "x", "fr"}, *r.publish_at);
  CHECK(ics.ends_with("END:VCALENDAR\r\n"));
  CHECK(ics.find(std::string("\r\n ") + std::string(74, '\x80')) != std::string::npos);
}

TEST_CASE("feed tokens differ by person and generation, and ignore the address's case") {
  CHECK(ics_token("k", "Referent@example.org", 0) == ics_token("k", "referent@example.org", 0));
  CHECK(ics_token("k", "referent@example.org", 0) != ics_token("k", "referent@example.org", 1));
  CHECK(ics_token("k", "referent@example.org", 0) != ics_token("k", "suppleant@example.org", 0));
  CHECK(ics_token("k", "referent@example.org", 0) != ics_token("k2", "referent@example.org", 0));
  CHECK(ics_token("k", "a@b", 0).size() == 64);
}

TEST_CASE("the session cookie is read among others and written with its attributes") {
  HttpRequest req;
  req.set(http::field::cookie, "theme=dark; relais_session=abc123 ; other=x");
  CHECK(cookie_of(req, "relais_session") == "abc123");
  CHECK(cookie_of(req, "missing").empty());
  HttpRequest two;
  two.insert(http::field::cookie, "a=1");
  two.insert(http::field::cookie, "relais_session=zz");
  CHECK(cookie_of(two, "relais_session") == "zz");
  HttpRequest tricky;
  tricky.set(http::field::cookie, "xrelais_session=no; relais_session_old=no");
  CHECK(cookie_of(tricky, "relais_session").empty());

  CHECK(session_cookie("tok", false) ==
        "relais_session=tok; Path=/d; Max-Age=28800; HttpOnly; SameSite=Strict");
  CHECK(session_cookie("tok", true).ends_with("; Secure"));
  CHECK(session_cookie("", true).find("Max-Age=0") != std::string::npos);
}

TEST_CASE("same_secret compares whole values") {
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "ab"));
  CHECK_FALSE(same_secret("", "a"));
}
