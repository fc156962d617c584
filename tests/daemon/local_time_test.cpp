// Local times shown to people and read from forms, in Europe/Paris, on both sides of the 2026
// daylight-saving changes (29 March 02:00 -> 03:00, 25 October 03:00 -> 02:00), and the inputs
// parse_input must refuse.
#include <doctest/doctest.h>

#include "daemon/local_time.hpp"

using namespace relais::daemon;
using relais::workflow::TimePoint;

namespace {

TimePoint at(long long unix_seconds) {
  return TimePoint(std::chrono::seconds(unix_seconds));
}

struct Paris {
  Paris() { set_local_zone("Europe/Paris"); }
};

}  // namespace

TEST_CASE_FIXTURE(Paris, "format_input on both sides of the spring change") {
  CHECK(format_input(at(1774738800)) == "2026-03-29T00:00");  // 23:00Z, CET
  CHECK(format_input(at(1774744200)) == "2026-03-29T01:30");  // 00:30Z, CET (+1)
  CHECK(format_input(at(1774747800)) == "2026-03-29T03:30");  // 01:30Z, CEST (+2)
}

TEST_CASE_FIXTURE(Paris, "format_input on both sides of the autumn change") {
  CHECK(format_input(at(1792888200)) == "2026-10-25T02:30");  // 00:30Z, CEST (+2)
  CHECK(format_input(at(1792889940)) == "2026-10-25T02:59");  // 00:59Z, CEST
  CHECK(format_input(at(1792891800)) == "2026-10-25T02:30");  // 01:30Z, CET (+1): again
}

TEST_CASE_FIXTURE(Paris, "format_local in French and English") {
  CHECK(format_local(at(1795440600), "fr") == "lundi 23 novembre 2026 à 14:30");
  CHECK(format_local(at(1795440600), "en") == "Monday 23 November 2026, 14:30");
  CHECK(format_local(at(1774747800), "fr") == "dimanche 29 mars 2026 à 03:30");
  CHECK(format_local(at(1782892800), "en") == "Wednesday 1 July 2026, 10:00");
  CHECK(format_local(at(1782892800), "de") == "mercredi 1 juillet 2026 à 10:00");  // fr fallback
}

TEST_CASE_FIXTURE(Paris, "parse_input reads local time with the offset of that day") {
  CHECK(parse_input("2026-03-29T01:30") == at(1774744200));
  CHECK(parse_input("2026-03-29T03:30") == at(1774747800));
  CHECK(parse_input("2026-11-23T14:30") == at(1795440600));
  CHECK(parse_input("2026-07-01T10:00") == at(1782892800));
  // 02:30 on 25 October happens twice; either reading is a real instant.
  const auto twice = parse_input("2026-10-25T02:30");
  REQUIRE(twice);
  CHECK((*twice == at(1792888200) || *twice == at(1792891800)));
}

TEST_CASE_FIXTURE(Paris, "parse_input and format_input round-trip") {
  for (long long t : {1774744200LL, 1774747800LL, 1792888200LL, 1795440600LL, 1782892800LL}) {
    const auto text = format_input(at(t));
    const auto back = parse_input(text);
    REQUIRE(back);
    CHECK(format_input(*back) == text);
  }
}

TEST_CASE_FIXTURE(Paris, "parse_input rejects garbage and impossible dates") {
  for (const char* bad :
       {"", "garbage", "2026-02-30T10:00", "2026-13-01T10:00", "2026-00-10T10:00",
        "2026-04-31T10:00", "2026-02-29T10:00", "2026-01-01T24:00", "2026-01-01T10:60",
        "2026-01-01T-1:00", "2026-01-00T10:00", "2026-01-01 10:00", "2026/01/01T10:00",
        "2026-01-01T10", "2026-1-1T10:00", "26-01-01T10:00", "1999-12-31T23:59", "9999-01-01T10:00",
        "2026-01-01T10:0"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_input(bad));
  }
  CHECK(parse_input("2028-02-29T10:00"));  // a leap day exists
}

TEST_CASE_FIXTURE(Paris, "parse_input rejects a time the spring change skips") {
  CHECK_FALSE(parse_input("2026-03-29T02:30"));
  CHECK_FALSE(parse_input("2026-03-29T02:00"));
  CHECK_FALSE(parse_input("2026-03-29T02:59"));
  CHECK(parse_input("2026-03-29T03:00") == at(1774746000));  // 01:00Z
}

TEST_CASE_FIXTURE(Paris, "parse_input rejects text after the minutes") {
  CHECK_FALSE(parse_input("2026-01-01T10:00junk"));
  CHECK_FALSE(parse_input("2026-01-01T10:00:00"));
}

TEST_CASE_FIXTURE(Paris, "parse_input rejects signs and spaces inside the fields") {
  CHECK_FALSE(parse_input("2026-+1-01T10:00"));
  CHECK_FALSE(parse_input("2026- 1-01T10:00"));
  CHECK_FALSE(parse_input("+2026-01-1T10:00"));
}
