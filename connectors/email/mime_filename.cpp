// Attachment display-name sanitising (see mime_filename.hpp). Pure.
#include "connectors/email/mime_filename.hpp"

#include <glib.h>

namespace relais::connectors::email {
namespace {

// Largest prefix of s no longer than max bytes that ends on a UTF-8 character boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) {
    return s;
  }
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) {
    --n;
  }
  return s.substr(0, n);
}

}  // namespace

std::string sanitize_filename(std::string_view decoded_name) {
  if (decoded_name.empty()) {
    return {};
  }
  std::string valid;
  if (g_utf8_validate(decoded_name.data(), static_cast<gssize>(decoded_name.size()), nullptr)) {
    valid.assign(decoded_name);
  } else {
    gchar* fixed = g_utf8_make_valid(decoded_name.data(), static_cast<gssize>(decoded_name.size()));
    valid = fixed;
    g_free(fixed);
  }
  std::string out;
  for (const char* p = valid.c_str(); *p != '\0'; p = g_utf8_next_char(p)) {
    const gunichar ch = g_utf8_get_char(p);
    const char* next = g_utf8_next_char(p);
    if (ch == '/' || ch == '\\') {
      out += '_';
    } else if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch <= 0x9f) || ch == 0x2028 ||
               ch == 0x2029 || ch == 0x202e || ch == 0x202d) {
      // Control characters, line separators and bidi overrides (which disguise extensions).
      continue;
    } else {
      out.append(p, static_cast<std::size_t>(next - p));
    }
  }
  std::size_t start = 0;
  while (start < out.size() && (out[start] == '.' || out[start] == ' ')) {
    ++start;
  }
  out.erase(0, start);
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) {
    out.pop_back();
  }
  if (out.empty()) {
    return "attachment";
  }
  if (out.size() > kMaxFilenameBytes) {
    const std::size_t dot = out.rfind('.');
    const bool keep_ext = dot != std::string::npos && out.size() - dot <= 16;
    const std::string ext = keep_ext ? out.substr(dot) : std::string();
    std::string stem(utf8_prefix(keep_ext ? std::string_view(out).substr(0, dot) : out,
                                 kMaxFilenameBytes - ext.size()));
    out = stem + ext;
  }
  return out;
}

}  // namespace relais::connectors::email
