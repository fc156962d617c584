// How long a network asks to be left alone, read from its answer, for the outbox's next try
// (relais::Error::retry_after). Each network says it its own way:
//   Retry-After          seconds or an HTTP date (RFC 9110 10.2.3), on 429 and 503;
//   x-rate-limit-reset   X: the Unix time the window resets, with x-rate-limit-remaining 0;
//   X-RateLimit-Reset    Mastodon: an ISO 8601 time, with X-RateLimit-Remaining 0;
//   X-Business-Use-Case-Usage   Meta: estimated_time_to_regain_access, in minutes;
//   X-App-Usage, X-Page-Usage   Meta: percentages of the hourly allowance; at 100 or more the
//                        call is refused until the rolling hour frees some (5 minutes asked).
#pragma once

#include <chrono>
#include <optional>

#include "connectors/http/http_client.hpp"

namespace relais::connectors::http {

// The longest wait any of those headers asks for, from `now`; nullopt when none does. Never
// negative; capped at one day (a broken header must not park a post for a year).
std::optional<std::chrono::seconds> retry_hint(const Response& response,
                                               std::chrono::system_clock::time_point now);

}  // namespace relais::connectors::http
