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

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
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
  if (current->version != row->version)
    return TokenProblem::stale;
  if (!action.empty() && !allows(row->actions, action))
    return TokenProblem::action_not_allowed;
  return std::nullopt;
}

std::string csrf_for(std::string_view key, std::string_view raw_token) {
  const std::string data = "csrf" + std::string(raw_token);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

bool csrf_matches(std::string_view key, std::string_view raw_token, std::string_view given) {
  const std::string expected = csrf_for(key, raw_token);
  return given.size() == expected.size() &&
         CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

bool plausible_raw_token(std::string_view raw) {
  return raw.size() == 43 &&
         raw.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
             std::string_view::npos;
}

}  // namespace relais::workflow
