// Charset conversion to UTF-8 (see mime_charset.hpp). Uses GMime's charset name table to map
// aliases (e.g. "latin1", "x-unknown") to iconv names, then g_convert.
#include "connectors/email/mime_charset.hpp"
#include "workflow/ascii.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace relais::connectors::email {
namespace {

bool valid_utf8(std::string_view s) {
  return g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr) != FALSE;
}

std::string make_valid(std::string_view s) {
  if (valid_utf8(s)) {
    return std::string(s);
  }
  gchar* fixed = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
  std::string out(fixed);
  g_free(fixed);
  return out;
}

bool convert(std::string_view bytes, const char* from, std::string& out) {
  gsize written = 0;
  GError* err = nullptr;
  gchar* converted = g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", from,
                               nullptr, &written, &err);
  if (converted == nullptr) {
    g_clear_error(&err);
    return false;
  }
  out.assign(converted, written);
  g_free(converted);
  return true;
}

}  // namespace

void ensure_gmime_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  ensure_gmime_initialized();
  const std::string cs = lower(charset);
  if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") {
    if (valid_utf8(bytes)) {
      return std::string(bytes);
    }
  } else {
    const char* iconv_name = g_mime_charset_iconv_name(cs.c_str());
    std::string out;
    if (iconv_name != nullptr && convert(bytes, iconv_name, out)) {
      return make_valid(out);
    }
    if (valid_utf8(bytes)) {
      return std::string(bytes);
    }
  }
  // Unknown charset or bytes invalid in the declared one: most such mail is Windows-1252/Latin-1.
  std::string out;
  if (convert(bytes, "WINDOWS-1252", out) || convert(bytes, "ISO-8859-1", out)) {
    return make_valid(out);
  }
  return make_valid(bytes);
}

}  // namespace relais::connectors::email
