// build_message, make_message_id and render_mail: validated parts in, a complete MIME message out.
// Every value that reaches a header is checked first; a bad one is an invalid_input Error whose
// sentence names the field but never its content (addresses and subjects are personal data).
#include "connectors/email/message_builder.hpp"
#include "workflow/ascii.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "connectors/email/message_encoding.hpp"
#include "workflow/base64.hpp"
#include "workflow/sha256.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::email {

namespace {

constexpr std::size_t kMaxIdLength = 250;
constexpr std::size_t kMaxHeaderName = 40;
constexpr std::size_t kMaxRecipients = 100;

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '.' || is_atext(c); });
}

bool is_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) {
    return false;
  }
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = d.find('.', pos);
    std::string_view label = d.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    pos = dot + 1;
  }
}

// Message ids from other mail clients vary; accept any printable ASCII without spaces or brackets
// (enough to rule out header injection and broken angle-bracket syntax).
bool is_msg_id(std::string_view id, bool need_at) {
  if (id.empty() || id.size() > kMaxIdLength) {
    return false;
  }
  bool printable = std::all_of(id.begin(), id.end(),
                               [](char c) { return c > 0x20 && c < 0x7f && c != '<' && c != '>'; });
  return printable && (!need_at || id.find('@') != std::string_view::npos);
}

// No control character other than tab (which folding keeps as a blank).
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

Result<void> check_header_text(std::string_view field, std::string_view value) {
  if (has_line_break_or_nul(value)) {
    return invalid_input(fmt::format("the {} contains a line break or NUL", field));
  }
  if (has_control(value)) {
    return invalid_input(fmt::format("the {} contains a control character", field));
  }
  if (!is_valid_utf8(value)) {
    return invalid_input(fmt::format("the {} is not valid UTF-8", field));
  }
  return {};
}

bool is_reserved_header(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kReserved = {"Date",
                                                                 "From",
                                                                 "Sender",
                                                                 "To",
                                                                 "Cc",
                                                                 "Bcc",
                                                                 "Subject",
                                                                 "Message-ID",
                                                                 "In-Reply-To",
                                                                 "References",
                                                                 "MIME-Version",
                                                                 "Content-Type",
                                                                 "Return-Path",
                                                                 "Received",
                                                                 "Delivered-To",
                                                                 "Content-Transfer-Encoding",
                                                                 "Content-Disposition"};
  return std::any_of(kReserved.begin(), kReserved.end(),
                     [&](std::string_view r) { return iequals(r, name); }) ||
         (name.size() >= 8 && iequals(name.substr(0, 8), "Content-"));
}

bool is_header_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxHeaderName &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return c > 0x20 && c < 0x7f && c != ':'; });
}

Result<void> check_parts(const MailParts& p) {
  if (!is_valid_addr_spec(p.from)) {
    return invalid_input("the From address is not a valid address");
  }
  if (auto r = check_header_text("sender display name", p.from_name); !r) {
    return r;
  }
  if (p.to.empty()) {
    return invalid_input("the message has no recipient");
  }
  if (p.to.size() > kMaxRecipients) {
    return invalid_input("the message has too many recipients");
  }
  for (std::size_t i = 0; i < p.to.size(); ++i) {
    if (!is_valid_addr_spec(p.to[i])) {
      return invalid_input(fmt::format("recipient {} is not a valid address", i + 1));
    }
  }
  if (auto r = check_header_text("subject", p.subject); !r) {
    return r;
  }
  if (!is_msg_id(p.message_id, true)) {
    return invalid_input("the Message-ID is missing or malformed");
  }
  if (!p.in_reply_to.empty() && !is_msg_id(p.in_reply_to, false)) {
    return invalid_input("the In-Reply-To id is malformed");
  }
  for (const std::string& ref : p.references) {
    if (!is_msg_id(ref, false)) {
      return invalid_input("a References id is malformed");
    }
  }
  for (const auto& image : p.inline_images) {
    if (!is_msg_id(image.content_id, true))
      return invalid_input("an inline image's Content-ID is missing or malformed");
    if (image.content_type != "image/jpeg" && image.content_type != "image/png")
      return invalid_input("an inline image is neither JPEG nor PNG");
  }
  for (const auto& [name, value] : p.extra_headers) {
    if (!is_header_name(name)) {
      return invalid_input("an extra header has an invalid name");
    }
    if (is_reserved_header(name)) {
      return invalid_input(fmt::format("the extra header {} is set by the builder itself", name));
    }
    if (auto r = check_header_text(fmt::format("{} header", name), value); !r) {
      return r;
    }
  }
  if (!is_valid_utf8(p.text)) {
    return invalid_input("the text body is not valid UTF-8");
  }
  if (!is_valid_utf8(p.html)) {
    return invalid_input("the HTML body is not valid UTF-8");
  }
  return {};
}

std::string join(const std::vector<std::string>& items, std::string_view sep,
                 std::string_view before = {}, std::string_view after = {}) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += before;
    out += s;
    out += after;
  }
  return out;
}

std::string text_part_headers(std::string_view subtype, std::string_view encoding) {
  return fmt::format("Content-Type: text/{}; charset=utf-8\r\nContent-Transfer-Encoding: {}\r\n",
                     subtype, encoding);
}

// The plain-text part goes as 8bit (RFC 6152) when its lines are short enough, so that the
// links in it stay whole for a person reading the raw message (a Maildir file, a mail
// client's source view); otherwise quoted-printable: long lines, NUL, invalid UTF-8, and
// what some MTAs alter in transit ("From " at a line start, trailing white space).
struct EncodedBody {
  std::string encoding;
  std::string data;
};

EncodedBody encode_text(std::string_view body) {
  std::string crlf;
  crlf.reserve(body.size() + body.size() / 32);
  std::size_t line = 0;
  bool fits = is_valid_utf8(body);
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n')
      continue;
    if (c == '\n' || c == '\r') {
      if (line > 0 && (crlf.back() == ' ' || crlf.back() == '\t'))
        fits = false;
      crlf += "\r\n";
      line = 0;
      continue;
    }
    if (c == '\0')
      fits = false;
    if (line == 0 && body.substr(i).starts_with("From "))
      fits = false;
    crlf += c;
    if (++line > 900)
      fits = false;
  }
  if (!fits)
    return {"quoted-printable", quoted_printable(body)};
  return {"8bit", std::move(crlf)};
}

// The HTML part with its headers, ending with the CRLF that belongs to the next delimiter.
std::string html_part(const std::string& html) {
  return text_part_headers("html", "quoted-printable") + "\r\n" + quoted_printable(html) + "\r\n";
}

// Base64 in lines of 76, each ending in CRLF.
std::string base64_lines(std::string_view bytes) {
  const std::string encoded = workflow::base64(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += 76)
    out += encoded.substr(i, 76) + "\r\n";
  return out;
}

// A filename parameter in plain ASCII, quotes and controls out: the name is only a label.
std::string safe_filename(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') ? '_' : c;
  }
  return out.empty() ? std::string("image") : out.substr(0, 100);
}

}  // namespace

bool is_valid_addr_spec(std::string_view address) {
  if (address.empty() || address.size() > 254) {
    return false;
  }
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) {
    return false;
  }
  std::string_view local = address.substr(0, at);
  return local.size() <= 64 && is_dot_atom(local) && is_domain(address.substr(at + 1));
}

Result<OutgoingMail> build_message(const MailParts& parts) {
  if (auto r = check_parts(parts); !r) {
    return r.error();
  }
  auto date = parts.date;
  if (date.time_since_epoch().count() == 0) {
    date = workflow::wall_now();
  }

  std::string data;
  data += "Date: " + rfc5322_date(date) + "\r\n";
  if (parts.from_name.empty() || parts.from_name.find_first_not_of(" \t") == std::string::npos) {
    data += "From: " + parts.from + "\r\n";
  } else {
    data += folded_header("From", encode_phrase(parts.from_name, 60) + " <" + parts.from + ">");
  }
  data += folded_header("To", join(parts.to, ", "));
  data += unstructured_header("Subject", parts.subject);
  data += "Message-ID: <" + parts.message_id + ">\r\n";
  if (!parts.in_reply_to.empty()) {
    data += "In-Reply-To: <" + parts.in_reply_to + ">\r\n";
  }
  if (!parts.references.empty()) {
    data += folded_header("References", join(parts.references, " ", "<", ">"));
  }
  data += "MIME-Version: 1.0\r\n";
  bool auto_submitted_set =
      std::any_of(parts.extra_headers.begin(), parts.extra_headers.end(),
                  [](const auto& h) { return iequals(h.first, "Auto-Submitted"); });
  if (!auto_submitted_set) {
    data += "Auto-Submitted: auto-generated\r\n";
  }
  for (const auto& [name, value] : parts.extra_headers) {
    data += unstructured_header(name, value);
  }

  if (parts.html.empty()) {
    auto text = encode_text(parts.text);
    data += text_part_headers("plain", text.encoding);
    data += "\r\n";
    data += text.data;
    if (text.data.size() < 2 || text.data.compare(text.data.size() - 2, 2, "\r\n") != 0) {
      data += "\r\n";
    }
  } else {
    // "=_" cannot occur in quoted-printable output, and the hash makes a clash with 8bit text
    // practically impossible.
    std::string boundary = "=_relais_" + workflow::sha256_hex(parts.message_id).substr(0, 24);
    data += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    data += "\r\n";
    data += "--" + boundary + "\r\n";
    auto text = encode_text(parts.text);
    data += text_part_headers("plain", text.encoding);
    data += "\r\n";
    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
    data += text.data + "\r\n";
    data += "--" + boundary + "\r\n";
    if (parts.inline_images.empty()) {
      data += html_part(parts.html);
    } else {
      // Not a prefix of the outer boundary's delimiter lines, nor it of these (RFC 2046 5.1.1).
      const std::string related =
          "=_relais_rel_" + workflow::sha256_hex(parts.message_id + "/related").substr(0, 24);
      data += "Content-Type: multipart/related; type=\"text/html\";\r\n boundary=\"" + related +
              "\"\r\n\r\n";
      data += "--" + related + "\r\n";
      data += html_part(parts.html);
      for (const auto& image : parts.inline_images) {
        data += "--" + related + "\r\n";
        data += "Content-Type: " + image.content_type + "\r\n";
        data += "Content-Transfer-Encoding: base64\r\n";
        data += "Content-ID: <" + image.content_id + ">\r\n";
        data += folded_header("Content-Disposition",
                              "inline; filename=\"" + safe_filename(image.filename) + "\"");
        data += "\r\n";
        data += base64_lines(image.bytes);
      }
      data += "--" + related + "--\r\n";
    }
    data += "--" + boundary + "--\r\n";
  }

  OutgoingMail mail;
  mail.envelope_from = parts.from;
  mail.recipients = parts.to;
  mail.message_id = parts.message_id;
  mail.data = std::move(data);
  return mail;
}

std::string make_message_id(std::string_view key, std::string_view domain) {
  return fmt::format("relais.{}@{}", workflow::sha256_hex(key).substr(0, 32), domain);
}

Result<void> render_mail(const TemplateSet& t, std::string_view lang, std::string_view name,
                         const boost::json::value& ctx, MailParts& out) {
  const std::string txt_name = fmt::format("{}.txt", name);
  const std::string html_name = fmt::format("{}.html", name);
  const std::string used_lang = t.has(lang, txt_name) ? std::string(lang) : std::string("fr");
  auto source = t.source(used_lang, txt_name);
  if (!source) {
    return source.error();
  }
  std::string_view src = *source;
  std::size_t eol = src.find('\n');
  std::string_view first = src.substr(0, eol);
  if (!first.empty() && first.back() == '\r') {
    first.remove_suffix(1);
  }
  constexpr std::string_view kSubject = "Subject:";
  if (first.substr(0, kSubject.size()) != kSubject) {
    return invalid_input(
        fmt::format("mail template {}/{} must start with a 'Subject:' line", used_lang, txt_name));
  }
  std::string_view rest = eol == std::string_view::npos ? std::string_view{} : src.substr(eol + 1);
  if (rest.substr(0, 1) == "\n") {
    rest.remove_prefix(1);
  } else if (rest.substr(0, 2) == "\r\n") {
    rest.remove_prefix(2);
  } else {
    return invalid_input(fmt::format(
        "mail template {}/{} needs a blank line after the Subject line", used_lang, txt_name));
  }

  auto subject = render_template(first.substr(kSubject.size()), ctx, Escape::header);
  if (!subject) {
    return invalid_input(fmt::format("{}/{}: {}", used_lang, txt_name, subject.error().message));
  }
  // Two leading line ends keep the body's line numbers equal to the file's in error messages.
  auto body = render_template(fmt::format("\n\n{}", rest), ctx, Escape::text);
  if (!body) {
    return invalid_input(fmt::format("{}/{}: {}", used_lang, txt_name, body.error().message));
  }
  std::string html;
  if (t.has(used_lang, html_name)) {
    auto rendered = t.render(used_lang, html_name, ctx, Escape::html);
    if (!rendered) {
      return rendered.error();
    }
    html = std::move(*rendered);
  }

  std::string_view s = *subject;
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  out.subject = std::string(s);
  out.text = body->substr(2);
  out.html = std::move(html);
  return {};
}

}  // namespace relais::connectors::email
