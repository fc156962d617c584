// Content-Transfer-Encoding decoders that tolerate what real clients send. GMime 3.2.13's base64
// decoder stops at the first '=' (upstream issue 150), so base64 is decoded here. Never fails:
// characters outside the alphabet are skipped, a dangling partial group is dropped.
#pragma once

#include <string>
#include <string_view>

namespace relais::connectors::email {

// Decodes base64, ignoring whitespace and stray characters; '=' ends a 4-character group, after
// which decoding resumes (concatenated chunks, padding mid-line).
std::string decode_base64_tolerant(std::string_view encoded);

// Decodes RFC 2047 "Q" text: '_' is a space, =XX a byte; a malformed escape is kept literally.
std::string decode_q_word(std::string_view encoded);

}  // namespace relais::connectors::email
