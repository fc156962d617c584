// The encodings an outgoing message needs: quoted-printable bodies, RFC 2047 encoded words,
// header folding, RFC 5322 dates and input checks. Pure functions; they never fail (callers check
// their input with the is_* predicates first).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace relais::connectors::email {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// True when `s` contains CR, LF or NUL, which would end or corrupt a header line.
bool has_line_break_or_nul(std::string_view s);

// Quoted-printable (RFC 2045) with CRLF line endings: any input line ending (LF, CRLF, CR) becomes
// CRLF, encoded lines are at most 76 characters, trailing blanks and "From " at a line start are
// encoded. The result is 7-bit.
std::string quoted_printable(std::string_view body);

// An unstructured header field "Name: value\r\n", folded at spaces to lines of at most 76
// characters where possible. The value becomes RFC 2047 B-encoded words (charset utf-8, each at
// most 75 characters, never splitting a UTF-8 sequence) when it is not printable ASCII, contains
// "=?", or has a word too long to fold.
std::string unstructured_header(std::string_view name, std::string_view value);

// A display name as a phrase: an atom sequence, a quoted-string, or encoded words.
std::string encode_phrase(std::string_view display_name, std::size_t max_word);

// "Name: value\r\n" folded at the spaces already in `value` (for address and id lists).
std::string folded_header(std::string_view name, std::string_view value);

// RFC 5322 date in UTC: "Thu, 01 Jan 2026 09:30:00 +0000".
std::string rfc5322_date(std::chrono::system_clock::time_point t);

}  // namespace relais::connectors::email
