// The signature of relais's webhooks, the same both ways (events relais sends, and, for issue
// 6, the calls it receives):
//   X-Relais-Timestamp: 1764000000                       (Unix seconds when signed)
//   X-Relais-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
// The receiver recomputes it over the raw body, compares in constant time, and refuses a
// timestamp more than five minutes from its clock (a replayed call).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace relais::connectors::webhook {

inline constexpr std::string_view kTimestampHeader = "X-Relais-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Relais-Signature";
inline constexpr std::chrono::seconds kSignatureWindow{300};

// "sha256=<hex>" for that timestamp and body.
std::string signature(std::string_view secret, std::int64_t timestamp, std::string_view body);

enum class SignatureProblem { none, malformed, too_old, mismatch };

// Whether `given` signs `body` at `timestamp` (the header's text), within the window of `now`.
SignatureProblem verify_signature(std::string_view secret, std::string_view timestamp,
                                  std::string_view body, std::string_view given,
                                  std::chrono::system_clock::time_point now);

}  // namespace relais::connectors::webhook
