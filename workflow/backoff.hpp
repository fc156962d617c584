// The one retry policy: exponential backoff with full jitter, bounded, honouring a server's
// Retry-After when it asks for longer. Pure: the random draw comes in as `jitter` in [0, 1).
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace relais::workflow {

struct BackoffPolicy {
  std::chrono::seconds initial{5};
  std::chrono::seconds max{3600};
  int max_attempts = 12;
};

// Delay before attempt `attempt + 1`, after `attempt` failed ones (attempt >= 1).
inline std::chrono::milliseconds backoff_delay(
    const BackoffPolicy& p, int attempt, double jitter,
    std::optional<std::chrono::seconds> retry_after = {}) {
  using std::chrono::milliseconds;
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const double ceiling = std::min(
      static_cast<double>(milliseconds(p.max).count()),
      static_cast<double>(milliseconds(p.initial).count()) * static_cast<double>(1LL << exponent));
  // Half fixed, half jittered: never zero, never in lockstep with other retries.
  auto delay = milliseconds(static_cast<long long>(ceiling / 2 + ceiling / 2 * jitter));
  if (retry_after)
    delay = std::max<milliseconds>(delay, *retry_after);
  return std::min<milliseconds>(delay, std::max<milliseconds>(p.max, retry_after.value_or(p.max)));
}

}  // namespace relais::workflow
