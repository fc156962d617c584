// Charset conversion to UTF-8 for mail text (via GLib/iconv). Never fails: an unknown charset or
// invalid bytes fall back to UTF-8 if the bytes are valid, else ISO-8859-1, then invalid sequences
// are replaced, so the result is always valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace relais::connectors::email {

std::string to_utf8(std::string_view bytes, std::string_view charset);

// Calls g_mime_init() once per process (std::call_once); every GMime user calls this first.
void ensure_gmime_initialized();

}  // namespace relais::connectors::email
