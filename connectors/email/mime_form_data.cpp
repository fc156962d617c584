// parse_form_body (see mime_form_data.hpp). A multipart body is pre-scanned for its delimiter
// lines before GMime sees it, so that the part limits and truncation are checked without
// building a tree; GMime then parses the body behind a synthetic Content-Type header. Header
// parameters and base64 are decoded by our own helpers, as for mail (GMime 3.2.13 issues 133,
// 150).
#include "connectors/email/mime_form_data.hpp"

#include <gmime/gmime.h>

#include <fmt/format.h>

#include <memory>

#include "connectors/email/mime_charset.hpp"
#include "connectors/email/mime_filename.hpp"
#include "connectors/email/mime_params.hpp"
#include "connectors/email/mime_transfer_decoding.hpp"
#include "workflow/ascii.hpp"

namespace relais::connectors::email {
namespace {

struct GObjectDeleter {
  void operator()(gpointer p) const {
    if (p != nullptr)
      g_object_unref(p);
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectDeleter>;

// HTML forms send textarea line ends as CRLF; everyone downstream expects "\n".
std::string unix_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n')
        ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = ascii_lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// RFC 2046 section 5.1.1: 1 to 70 characters of bcharsnospace or space, not ending in space.
bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ')
    return false;
  for (char c : b) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok)
      return false;
  }
  return true;
}

struct Delimiters {
  std::size_t parts = 0;  // delimiter lines before the close delimiter
  bool closed = false;    // the close delimiter "--boundary--" was seen
};

// Delimiter lines start a line with "--boundary" followed by "--", whitespace or a line end;
// a longer word that merely starts with the boundary is content.
Delimiters scan_delimiters(std::string_view body, std::string_view boundary, std::size_t stop_at) {
  const std::string dash = "--" + std::string(boundary);
  Delimiters d;
  std::size_t pos = 0;
  while ((pos = body.find(dash, pos)) != std::string_view::npos) {
    const std::size_t after = pos + dash.size();
    const bool line_start = pos == 0 || body[pos - 1] == '\n';
    const char next = after < body.size() ? body[after] : '\n';
    if (line_start && body.substr(after, 2) == "--") {
      d.closed = true;
      return d;
    }
    if (line_start && (next == '\r' || next == '\n' || next == ' ' || next == '\t')) {
      if (++d.parts > stop_at)
        return d;
    }
    pos = after;
  }
  return d;
}

std::string raw_header(GMimeObject* obj, const char* name) {
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  GMimeHeader* h = list == nullptr ? nullptr : g_mime_header_list_get_header(list, name);
  const char* raw = h == nullptr ? nullptr : g_mime_header_get_raw_value(h);
  return raw == nullptr ? std::string() : std::string(raw);
}

std::string read_stream(GMimeStream* stream) {
  std::string out;
  char buf[65536];
  g_mime_stream_reset(stream);
  for (;;) {
    const ssize_t n = g_mime_stream_read(stream, buf, sizeof buf);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string stream_bytes(GMimeStream* mem) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// The bytes of a part as sent. RFC 7578 deprecates Content-Transfer-Encoding, but a client
// that still sends base64 gets it decoded (by our decoder: GMime issue 150).
std::string part_content(GMimeObject* obj) {
  if (GMIME_IS_MESSAGE_PART(obj)) {
    // An uploaded .eml declared as message/rfc822: GMime parsed it; write it back out.
    GMimeMessage* msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (msg == nullptr)
      return {};
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(msg), nullptr, mem.get());
    return stream_bytes(mem.get());
  }
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(obj));
  if (content == nullptr)
    return {};
  if (g_mime_data_wrapper_get_encoding(content) == GMIME_CONTENT_ENCODING_BASE64) {
    GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
    return raw == nullptr ? std::string() : decode_base64_tolerant(read_stream(raw));
  }
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  return stream_bytes(mem.get());
}

// Browsers (HTML "multipart/form-data encoding algorithm") write '"', CR and LF in names and
// filenames as %22, %0D and %0A; other percent signs are literal.
std::string unescape_html_name(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string_view code = s.substr(i + 1, 2);
      if (iequals(code, "22") || iequals(code, "0D") || iequals(code, "0A")) {
        out.push_back(static_cast<char>(hex_digit(code[0]) * 16 + hex_digit(code[1])));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

Result<FormData> parse_multipart(const HeaderParams& type, std::string_view body,
                                 const FormLimits& limits) {
  const auto b = type.params.find("boundary");
  if (b == type.params.end() || b->second.empty())
    return invalid_input("The form data has no boundary in its Content-Type.");
  const std::string& boundary = b->second;
  if (!valid_boundary(boundary))
    return invalid_input("The form data's boundary is not a valid MIME boundary.");
  const Delimiters d = scan_delimiters(body, boundary, limits.max_parts);
  if (d.parts > limits.max_parts) {
    return invalid_input(fmt::format("The form data has more than {} parts.", limits.max_parts));
  }
  if (d.parts == 0 || !d.closed)
    return invalid_input("The form data is truncated: its closing boundary is missing.");

  ensure_gmime_initialized();
  const std::string header =
      fmt::format("Content-Type: multipart/form-data; boundary=\"{}\"\r\n\r\n", boundary);
  // One copy of the body, inside GMime's stream; parts then refer to it without copying.
  GByteArray* array = g_byte_array_sized_new(static_cast<guint>(header.size() + body.size()));
  g_byte_array_append(array, reinterpret_cast<const guint8*>(header.data()),
                      static_cast<guint>(header.size()));
  g_byte_array_append(array, reinterpret_cast<const guint8*>(body.data()),
                      static_cast<guint>(body.size()));
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_byte_array(array));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeObject> top(g_mime_parser_construct_part(parser.get(), nullptr));
  if (!top || !GMIME_IS_MULTIPART(top.get()))
    return invalid_input("The form data could not be read as multipart/form-data.");

  FormData out;
  GMimeMultipart* mp = GMIME_MULTIPART(top.get());
  const int n = g_mime_multipart_get_count(mp);
  for (int i = 0; i < n; ++i) {
    GMimeObject* part = g_mime_multipart_get_part(mp, i);
    if (GMIME_IS_MULTIPART(part)) {
      return invalid_input(
          "The form data nests a multipart inside a field (RFC 2388 style); send each file as "
          "its own part.");
    }
    const HeaderParams cd = parse_header_params(raw_header(part, "Content-Disposition"));
    const auto name_it = cd.params.find("name");
    if (cd.value != "form-data" || name_it == cd.params.end() || name_it->second.empty())
      continue;  // RFC 7578 requires both; a part without them names nothing
    const std::string name = unescape_html_name(name_it->second);
    const HeaderParams ct = parse_header_params(raw_header(part, "Content-Type"));
    if (const auto f = cd.params.find("filename"); f != cd.params.end()) {
      std::string data = part_content(part);
      if (data.empty())
        continue;  // an <input type=file> left empty
      if (out.files.size() >= limits.max_file_parts) {
        return invalid_input(
            fmt::format("The form data has more than {} files.", limits.max_file_parts));
      }
      FormFile file;
      file.field = name;
      file.filename = sanitize_filename(unescape_html_name(f->second));
      file.content_type =
          ct.value.find('/') == std::string::npos ? "application/octet-stream" : ct.value;
      file.data = std::move(data);
      out.files.push_back(std::move(file));
      continue;
    }
    const auto charset = ct.params.find("charset");
    std::string value =
        to_utf8(part_content(part), charset == ct.params.end() ? "utf-8" : charset->second);
    out.fields.emplace(name, unix_newlines(value));
  }
  return out;
}

std::string percent_decode_form(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

FormData parse_urlencoded(std::string_view body) {
  FormData out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos)
      amp = body.size();
    const std::string_view pair = body.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty())
      continue;
    const std::size_t eq = pair.find('=');
    const std::string name = to_utf8(percent_decode_form(pair.substr(0, eq)), "utf-8");
    const std::string value = eq == std::string_view::npos
                                  ? std::string()
                                  : to_utf8(percent_decode_form(pair.substr(eq + 1)), "utf-8");
    if (!name.empty())
      out.fields.emplace(name, unix_newlines(value));
  }
  return out;
}

}  // namespace

const std::string& FormData::field(const std::string& name) const {
  static const std::string empty;
  const auto it = fields.find(name);
  return it == fields.end() ? empty : it->second;
}

Result<FormData> parse_form_body(std::string_view content_type, std::string_view body,
                                 const FormLimits& limits) {
  if (body.size() > limits.max_total_bytes) {
    return invalid_input(
        fmt::format("The form data is larger than {} bytes.", limits.max_total_bytes));
  }
  const HeaderParams type = parse_header_params(content_type);
  if (type.value == "multipart/form-data")
    return parse_multipart(type, body, limits);
  if (type.value == "application/x-www-form-urlencoded")
    return parse_urlencoded(body);
  return invalid_input(
      "The form was sent with an unsupported Content-Type; expected multipart/form-data or "
      "application/x-www-form-urlencoded.");
}

}  // namespace relais::connectors::email
