// The times the networks write, read one way for every connector's find().
#include <doctest/doctest.h>

#include <chrono>

#include "connectors/http/post_text.hpp"

using namespace relais::connectors;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

Clock::time_point utc(std::time_t seconds) {
  return Clock::from_time_t(seconds);
}

}  // namespace

TEST_CASE("network times: Mastodon, X, Graph and RFC 3339 offsets; nothing else") {
  const auto at = utc(1795470300);                              // 2026-11-23T21:45:00Z
  CHECK(http::network_time("2026-11-23T21:45:00.000Z") == at);  // Mastodon, X
  CHECK(http::network_time("2026-11-23T21:45:00Z") == at);
  CHECK(http::network_time("2026-11-23T21:45:00+0000") == at);  // Graph API
  CHECK(http::network_time("2026-11-23T22:45:00+01:00") == at);
  CHECK(http::network_time("2026-11-23T20:15:00-0130") == at);
  CHECK(http::network_time("2026-11-23 21:45:00") == at);
  for (const char* bad :
       {"", "2026-11-23", "23/11/2026 21:45", "2026-13-01T00:00:00Z", "2026-11-23T21:45:00+1",
        "2026-11-23T21:45:00 GMT", "2026-11-23T25:00:00Z", "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(http::network_time(bad).has_value());
  }
}

TEST_CASE("a post older than the request's publication cannot be its own") {
  Post p;
  p.not_before = utc(1795470300);
  CHECK(http::made_in_time(p, utc(1795470300)));
  CHECK(http::made_in_time(p, utc(1795470301)));
  CHECK_FALSE(http::made_in_time(p, utc(1795470299)));
  CHECK(http::made_in_time(p, std::nullopt));  // no time given: the text decides
  CHECK(http::made_in_time(Post{}, utc(0)));
}
