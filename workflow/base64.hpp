// Base64 (RFC 4648): the standard alphabet with padding for MIME, JSON and HTTP Basic, and the
// URL alphabet without padding for link tokens. Pure; encoding never fails.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relais::workflow {

std::string base64(std::string_view bytes);
std::string base64url(std::string_view bytes);

// Strict decoding of the standard alphabet: line breaks and spaces are skipped, padding only at
// the end; anything else (a '-' of base64url, a stray '=') is nullopt, never a truncated file.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace relais::workflow
