// Link tokens (ARCHITECTURE "Security"): 32 random bytes, base64url in the URL; the store
// keeps only their SHA-256 with the request, recipient, allowed actions, the request's state
// version, the expiry and the time of use. Verification is pure: it takes the stored row, the
// request as it is now and the clock reading, and says why a token cannot act.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "workflow/base64.hpp"
#include "workflow/request.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {

enum class TokenProblem {
  unknown,             // no such token (forged, mistyped, or from another installation)
  expired,             // past its expiry
  used,                // already used once
  stale,               // the request changed state since the link was sent
  other_request,       // valid, but for another request than the one addressed
  action_not_allowed,  // this link cannot do that
};

std::string_view to_string(TokenProblem p);

struct IssuedToken {
  std::string raw;  // base64url, goes in the URL only; never stored or logged
  TokenRow row;     // what the store keeps
};

// 32 bytes from OpenSSL's RAND_bytes. Throws on RNG failure (a start-up class of error).
std::string random_token_bytes();

// The version of a token that is not bound to one version of its request: the retry and cancel
// links of a failed publication, which later channel results must not make stale (the state
// machine's own guards still decide whether the action applies).
inline constexpr std::int64_t kAnyVersion = -1;

IssuedToken issue_token(std::string_view random_bytes, std::int64_t request_id,
                        std::string_view recipient, std::string_view actions, std::int64_t version,
                        TimePoint expires_at);

std::string token_hash(std::string_view raw);

// 43 base64url characters: the shape of every raw link token (approval and case links), checked
// before any lookup so that junk in a URL never reaches the store.
bool plausible_raw_token(std::string_view raw);

// Whether `row` (looked up by token_hash(raw)) may perform `action` on `current` at `now`.
// `action` empty: only checks that the link may be shown (not used, not expired, not stale).
std::optional<TokenProblem> check_token(const std::optional<TokenRow>& row, const Request* current,
                                        std::string_view action, TimePoint now);

// CSRF field for the confirmation form: HMAC-SHA256(key, "csrf" || raw token), hex.
std::string csrf_for(std::string_view key, std::string_view raw_token);
bool csrf_matches(std::string_view key, std::string_view raw_token, std::string_view given);

}  // namespace relais::workflow
