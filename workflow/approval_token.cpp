// Token issue and verification; HMAC and constant-time comparison through OpenSSL.
#include "workflow/approval_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "workflow/sha256.hpp"

namespace relais::workflow {

std::string_view to_string(TokenProblem p) {
  switch (p) {
    case TokenProblem::unknown:
      return "unknown";
    case TokenProblem::expired:
      return "expired";
    case TokenProblem::used:
      return "used";
    case TokenProblem::stale:
      return "stale";
    case TokenProblem::other_request:
      return "other_request";
    case TokenProblem::action_not_allowed:
      return "action_not_allowed";
  }
  return "?";
}

std::string random_token_bytes() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 32) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness for link tokens");
  }
  return bytes;
}

std::string token_hash(std::string_view raw) {
  return sha256_hex(raw);
}

IssuedToken issue_token(std::string_view random_bytes, std::int64_t request_id,
                        std::string_view recipient, std::string_view actions, std::int64_t version,
                        TimePoint expires_at) {
  IssuedToken t;
  t.raw = base64url(random_bytes);
  t.row.hash = token_hash(t.raw);
  t.row.request_id = request_id;
  t.row.recipient = recipient;
  t.row.actions = actions;
  t.row.version = version;
  t.row.expires_at = expires_at;
  return t;
}

namespace {

bool allows(std::string_view actions, std::string_view action) {
  std::size_t start = 0;
  while (start <= actions.size()) {
    const auto end = std::min(actions.find(',', start), actions.size());
    if (actions.substr(start, end - start) == action)
      return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::optional<TokenProblem> check_token(const std::optional<TokenRow>& row, const Request* current,
                                        std::string_view action, TimePoint now) {
  if (!row)
    return TokenProblem::unknown;
  if (row->used_at)
    return TokenProblem::used;
  if (now >= row->expires_at)
    return TokenProblem::expired;
  if (!current)
    return TokenProblem::unknown;
  if (current->id != row->request_id)
    return TokenProblem::other_request;
  if (row->version != kAnyVersion && current->version != row->version)
    return TokenProblem::stale;
  if (!action.empty() && !allows(row->actions, action))
    return TokenProblem::action_not_allowed;
  return std::nullopt;
}

std::string csrf_for(std::string_view key, std::string_view raw_token) {
  return hmac_sha256_hex(key, "csrf" + std::string(raw_token));
}

bool csrf_matches(std::string_view key, std::string_view raw_token, std::string_view given) {
  return same_secret(csrf_for(key, raw_token), given);
}

bool plausible_raw_token(std::string_view raw) {
  return raw.size() == 43 &&
         raw.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
             std::string_view::npos;
}

}  // namespace relais::workflow
