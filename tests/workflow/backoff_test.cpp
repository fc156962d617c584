// The one retry policy: delays grow with the attempt, stay within the maximum, are never zero,
// spread with the jitter, and honour a server's Retry-After when it asks for longer.
#include <doctest/doctest.h>

#include <limits>

#include "workflow/backoff.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;

TEST_CASE("the delay grows with the attempt until the maximum") {
  const BackoffPolicy p{5s, 3600s, 12};
  CHECK(backoff_delay(p, 1, 0.0) == 2500ms);  // half of initial at the lowest jitter
  CHECK(backoff_delay(p, 1, 0.999) < 5000ms);
  CHECK(backoff_delay(p, 2, 0.0) == 5000ms);
  CHECK(backoff_delay(p, 3, 0.0) == 10000ms);
  std::chrono::milliseconds previous{0};
  for (int attempt = 1; attempt <= 40; ++attempt) {
    CAPTURE(attempt);
    const auto d = backoff_delay(p, attempt, 0.5);
    CHECK(d >= previous);
    CHECK(d <= 3600s);
    previous = d;
  }
  CHECK(backoff_delay(p, 12, 0.999) <= 3600s);
  CHECK(backoff_delay(p, 12, 0.0) == 1800s);  // the ceiling is the maximum, half of it fixed
}

TEST_CASE("the jitter spreads the delay between half and all of the ceiling") {
  const BackoffPolicy p{10s, 3600s, 12};
  CHECK(backoff_delay(p, 3, 0.0) == 20s);
  CHECK(backoff_delay(p, 3, 0.5) == 30s);
  CHECK(backoff_delay(p, 3, 0.25) < backoff_delay(p, 3, 0.75));
}

TEST_CASE("the delay is never zero and survives odd attempts") {
  const BackoffPolicy p{1s, 60s, 5};
  for (int attempt : {-5, 0, 1, 2, 31, 32, 63, 64, 1000, std::numeric_limits<int>::max()}) {
    CAPTURE(attempt);
    for (double jitter : {0.0, 0.5, 0.999999}) {
      const auto d = backoff_delay(p, attempt, jitter);
      CHECK(d > 0ms);
      CHECK(d <= 60s);
    }
  }
  CHECK(backoff_delay(p, 0, 0.0) == backoff_delay(p, 1, 0.0));
}

TEST_CASE("Retry-After is honoured when it asks for longer") {
  const BackoffPolicy p{5s, 3600s, 12};
  CHECK(backoff_delay(p, 1, 0.0, 120s) == 120s);
  CHECK(backoff_delay(p, 1, 0.0, 1s) == 2500ms);  // shorter than ours: ours wins
  CHECK(backoff_delay(p, 1, 0.0, 0s) == 2500ms);
  // A server may ask for more than our maximum: we wait as asked rather than be refused again.
  CHECK(backoff_delay(p, 1, 0.0, 7200s) == 7200s);
  CHECK(backoff_delay(p, 20, 0.999, 10s) <= 3600s);
}
