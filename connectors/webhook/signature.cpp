#include "connectors/webhook/signature.hpp"

#include <fmt/format.h>

#include <charconv>

#include "workflow/sha256.hpp"

namespace relais::connectors::webhook {

std::string signature(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  const std::string signed_text = fmt::format("{}.{}", timestamp, body);
  return "sha256=" + workflow::hmac_sha256_hex(secret, signed_text);
}

SignatureProblem verify_signature(std::string_view secret, std::string_view timestamp,
                                  std::string_view body, std::string_view given,
                                  std::chrono::system_clock::time_point now) {
  std::int64_t t = 0;
  const auto* end = timestamp.data() + timestamp.size();
  const auto [ptr, ec] = std::from_chars(timestamp.data(), end, t);
  if (timestamp.empty() || ec != std::errc() || ptr != end || !given.starts_with("sha256="))
    return SignatureProblem::malformed;
  // In seconds: a forged huge timestamp must not overflow a finer duration.
  const std::int64_t current =
      std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  if (t < current - kSignatureWindow.count() || t > current + kSignatureWindow.count())
    return SignatureProblem::too_old;
  return workflow::same_secret(signature(secret, t, body), given) ? SignatureProblem::none
                                                                  : SignatureProblem::mismatch;
}

}  // namespace relais::connectors::webhook
