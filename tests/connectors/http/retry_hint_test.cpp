// The waits networks ask for, each in its own header: Retry-After (seconds or date), X's and
// Mastodon's rate-limit reset, Meta's usage headers; the longest wins, capped at a day.
#include <doctest/doctest.h>

#include "connectors/http/retry_hint.hpp"

using namespace relais::connectors::http;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

// 2026-11-23T21:00:00Z
const Clock::time_point kNow = Clock::from_time_t(1795467600);

Response answer(int status, std::vector<Header> headers) {
  Response r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("retry hints: each network's way of saying when") {
  struct Case {
    const char* what;
    Response response;
    std::optional<std::chrono::seconds> wait;
  };
  for (const auto& c : std::vector<Case>{
           {"nothing said", answer(503, {}), std::nullopt},
           {"Retry-After seconds", answer(429, {{"Retry-After", "120"}}), 120s},
           {"Retry-After date", answer(503, {{"retry-after", "Mon, 23 Nov 2026 21:01:30 GMT"}}),
            90s},
           {"Retry-After in the past",
            answer(503, {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}}), 0s},
           {"Retry-After junk", answer(503, {{"Retry-After", "soon"}}), std::nullopt},
           {"X window exhausted",
            answer(429, {{"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", "1795468500"}}),
            900s},
           {"X window not exhausted",
            answer(200, {{"x-rate-limit-remaining", "12"}, {"x-rate-limit-reset", "1795468500"}}),
            std::nullopt},
           {"Mastodon ISO reset",
            answer(429, {{"X-RateLimit-Remaining", "0"},
                         {"X-RateLimit-Reset", "2026-11-23T21:30:00.000Z"}}),
            1800s},
           {"Meta business use case",
            answer(400, {{"X-Business-Use-Case-Usage",
                          R"({"112233":[{"type":"pages","call_count":100,"total_cputime":20,)"
                          R"("total_time":30,"estimated_time_to_regain_access":7}]})"}}),
            420s},
           {"Meta app usage full",
            answer(400, {{"X-App-Usage", R"({"call_count":104,"total_time":12})"}}), 300s},
           {"Meta app usage fine", answer(200, {{"X-App-Usage", R"({"call_count":40})"}}),
            std::nullopt},
           {"the longest wins, capped at a day",
            answer(429, {{"Retry-After", "10"},
                         {"x-rate-limit-remaining", "0"},
                         {"x-rate-limit-reset", "1895467600"}}),
            86400s},
       }) {
    INFO(std::string(c.what));
    CHECK(retry_hint(c.response, kNow) == c.wait);
  }
}
