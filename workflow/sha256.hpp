// SHA-256, HMAC-SHA256 and hex helpers (OpenSSL). Pure; they never fail.
#pragma once

#include <string>
#include <string_view>

namespace relais::workflow {

std::string sha256_hex(std::string_view data);
std::string to_hex(std::string_view bytes);
// HMAC-SHA256(key, data) in lowercase hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Whether two secrets (signatures, tokens) are equal, in time that does not depend on where
// they differ.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace relais::workflow
