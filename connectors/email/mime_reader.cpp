// parse_mail: walks the GMime tree of an inbound mail and returns plain values (see
// mime_reader.hpp). Header words, parameters and base64 are decoded here, not by GMime, to avoid
// its 3.2.13 bugs (issues 133 and 150). Fails only for input that is not a mail or exceeds the part
// limits.
#include "connectors/email/mime_reader.hpp"
#include "workflow/ascii.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "connectors/email/mime_charset.hpp"
#include "connectors/email/mime_filename.hpp"
#include "connectors/email/mime_html_text.hpp"
#include "connectors/email/mime_params.hpp"
#include "connectors/email/mime_transfer_decoding.hpp"

namespace relais::connectors::email {
namespace {

constexpr int kMaxDepth = 20;
constexpr int kMaxParts = 100;
// GMime's parser recurses once per nested part before we can count anything; a cheap pre-scan
// bounds that recursion for hostile input.
constexpr std::size_t kMaxContentTypeLines = 1000;

struct GObjectDeleter {
  void operator()(gpointer p) const {
    if (p != nullptr) {
      g_object_unref(p);
    }
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectDeleter>;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string unfold(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\r' && c != '\n') {
      out.push_back(c);
    }
  }
  return trim(out);
}

// The raw (undecoded, unfolded) value of the first header called name, or "" if absent.
std::string raw_header(GMimeObject* obj, const char* name) {
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  GMimeHeader* h = list == nullptr ? nullptr : g_mime_header_list_get_header(list, name);
  if (h == nullptr) {
    return {};
  }
  const char* raw = g_mime_header_get_raw_value(h);
  return raw == nullptr ? std::string() : unfold(raw);
}

std::string strip_angles(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') {
    s = s.substr(1, s.size() - 2);
  }
  return trim(s);
}

// CRLF and lone CR become LF: the text is read by people and line-based parsers, not sent.
std::string normalize_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') {
        ++i;
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::size_t count_content_type_lines(std::string_view raw) {
  std::size_t n = 0;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    if (raw.size() - pos >= 13 && lower(raw.substr(pos, 13)) == "content-type:") {
      ++n;
    }
    const std::size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
  }
  return n;
}

void add_mailboxes(InternetAddressList* list, std::vector<std::string>& out) {
  if (list == nullptr) {
    return;
  }
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      add_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out);
    } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      if (addr != nullptr && std::string_view(addr).find('@') != std::string_view::npos) {
        out.push_back(lower(trim(addr)));
      }
    }
  }
}

// The display name of a single-mailbox From decoded by our own RFC 2047 decoder.
std::string display_name_from_raw(const std::string& raw_from) {
  const std::size_t lt = raw_from.rfind('<');
  if (lt == std::string::npos) {
    return {};
  }
  std::string phrase = trim(std::string_view(raw_from).substr(0, lt));
  if (phrase.size() >= 2 && phrase.front() == '"' && phrase.back() == '"') {
    std::string unq;
    for (std::size_t i = 1; i + 1 < phrase.size(); ++i) {
      if (phrase[i] == '\\' && i + 2 < phrase.size()) {
        ++i;
      }
      unq.push_back(phrase[i]);
    }
    phrase = unq;
  }
  return trim(decode_header_words(phrase));
}

std::string read_stream(GMimeStream* stream) {
  std::string out;
  char buf[8192];
  g_mime_stream_reset(stream);
  for (;;) {
    const ssize_t n = g_mime_stream_read(stream, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// The decoded content of a leaf part; base64 decoded here (GMime issue 150).
std::string part_bytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) {
    return {};
  }
  const GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(content);
  if (enc == GMIME_CONTENT_ENCODING_BASE64) {
    GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
    return raw == nullptr ? std::string() : decode_base64_tolerant(read_stream(raw));
  }
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

struct Walk {
  explicit Walk(ParsedMail& m) : mail(m) {}
  ParsedMail& mail;
  std::vector<std::string> plain_bodies;
  std::vector<std::string> html_bodies;
  // Text of attached messages: the body only when the mail has none of its own (a forward).
  std::vector<std::string> attached_plain;
  std::vector<std::string> attached_html;
  int attached_depth = 0;
  int parts = 0;
  std::string error;
};

bool is_signature(const std::string& type) {
  return type == "application/pgp-signature" || type == "application/pkcs7-signature" ||
         type == "application/x-pkcs7-signature";
}

void walk(GMimeObject* obj, int depth, bool body_eligible, Walk& w);

constexpr std::size_t kMaxDeliveryStatus = 64 * 1024;

// The Message-ID in a block of returned headers (text/rfc822-headers), without <>.
std::string message_id_in(std::string_view headers) {
  std::size_t pos = 0;
  while (pos < headers.size()) {
    auto end = headers.find('\n', pos);
    if (end == std::string_view::npos)
      end = headers.size();
    std::string_view line = headers.substr(pos, end - pos);
    if (line.size() > 11 && iequals(line.substr(0, 11), "message-id:")) {
      std::string value(line.substr(11));
      // A folded value continues on the next line.
      while (end + 1 < headers.size() && (headers[end + 1] == ' ' || headers[end + 1] == '\t')) {
        auto next = headers.find('\n', end + 1);
        if (next == std::string_view::npos)
          next = headers.size();
        value += headers.substr(end + 1, next - end - 1);
        end = next;
      }
      const auto open = value.find('<');
      const auto close = value.find('>', open == std::string::npos ? 0 : open);
      if (open != std::string::npos && close != std::string::npos)
        return std::string(trim(value.substr(open + 1, close - open - 1)));
      return std::string(trim(value));
    }
    if (line.empty() || line == "\r")
      break;
    pos = end + 1;
  }
  return {};
}

void walk_leaf(GMimeObject* obj, bool body_eligible, Walk& w) {
  const HeaderParams ct = parse_header_params(raw_header(obj, "Content-Type"));
  const HeaderParams cd = parse_header_params(raw_header(obj, "Content-Disposition"));
  std::string type = ct.value.find('/') == std::string::npos ? "text/plain" : ct.value;
  std::string name;
  if (auto it = cd.params.find("filename"); it != cd.params.end()) {
    name = it->second;
  } else if (auto it2 = ct.params.find("name"); it2 != ct.params.end()) {
    name = it2->second;
  }
  const bool attachment_disposition = cd.value == "attachment";
  const bool textual = type == "text/plain" || type == "text/html";
  if (textual && !attachment_disposition && name.empty()) {
    if (!body_eligible && w.attached_depth == 0) {
      return;  // an alternative rendering of the body
    }
    const auto charset_it = ct.params.find("charset");
    const std::string charset = charset_it == ct.params.end() ? "us-ascii" : charset_it->second;
    std::string text = to_utf8(part_bytes(GMIME_PART(obj)), charset);
    const bool plain = type == "text/plain";
    if (w.attached_depth > 0) {
      (plain ? w.attached_plain : w.attached_html).push_back(std::move(text));
    } else {
      (plain ? w.plain_bodies : w.html_bodies).push_back(std::move(text));
    }
    return;
  }
  if (is_signature(type)) {
    return;
  }
  if (type == "message/delivery-status" || type == "message/global-delivery-status") {
    if (w.mail.delivery_status.empty() && w.attached_depth == 0)  // not a forwarded report
      w.mail.delivery_status = part_bytes(GMIME_PART(obj)).substr(0, kMaxDeliveryStatus);
    return;
  }
  if (type == "text/rfc822-headers") {
    if (w.mail.attached_message_id.empty())
      w.mail.attached_message_id = message_id_in(part_bytes(GMIME_PART(obj)));
    return;
  }
  Attachment a;
  a.data = part_bytes(GMIME_PART(obj));
  if (a.data.empty()) {
    return;
  }
  a.content_type = std::move(type);
  a.filename = sanitize_filename(name);
  a.inline_part = cd.value == "inline";
  w.mail.attachments.push_back(std::move(a));
}

void walk(GMimeObject* obj, int depth, bool body_eligible, Walk& w) {
  if (!w.error.empty() || obj == nullptr) {
    return;
  }
  if (depth > kMaxDepth) {
    w.error = "The message nests MIME parts more than 20 levels deep.";
    return;
  }
  if (++w.parts > kMaxParts) {
    w.error = "The message has more than 100 MIME parts.";
    return;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    GMimeMultipart* mp = GMIME_MULTIPART(obj);
    const int n = g_mime_multipart_get_count(mp);
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    const char* sub = ct == nullptr ? nullptr : g_mime_content_type_get_media_subtype(ct);
    const bool alternative = sub != nullptr && lower(sub) == "alternative";
    int chosen = -1;
    if (alternative && body_eligible) {
      // Prefer text/plain; else text/html; else the last (richest) multipart.
      int html = -1;
      int nested = -1;
      for (int i = 0; i < n; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        GMimeContentType* cct = g_mime_object_get_content_type(child);
        const char* csub = cct == nullptr ? nullptr : g_mime_content_type_get_media_subtype(cct);
        const std::string csubtype = csub == nullptr ? "" : lower(csub);
        if (GMIME_IS_MULTIPART(child)) {
          nested = i;
        } else if (csubtype == "plain" && chosen < 0) {
          chosen = i;
        } else if (csubtype == "html" && html < 0) {
          html = i;
        }
      }
      if (chosen < 0) {
        chosen = html >= 0 ? html : nested;
      }
    }
    for (int i = 0; i < n; ++i) {
      const bool eligible = body_eligible && (!alternative || i == chosen);
      walk(g_mime_multipart_get_part(mp, i), depth + 1, eligible, w);
    }
    return;
  }
  if (GMIME_IS_MESSAGE_PART(obj)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (inner != nullptr) {
      if (const char* id = g_mime_message_get_message_id(inner);
          id != nullptr && w.mail.attached_message_id.empty())
        w.mail.attached_message_id = trim(id);
      // An attached message: its files count as attachments; its text is set aside.
      ++w.attached_depth;
      walk(g_mime_message_get_mime_part(inner), depth + 1, false, w);
      --w.attached_depth;
    }
    return;
  }
  if (GMIME_IS_PART(obj)) {
    walk_leaf(obj, body_eligible, w);
  }
}

void read_headers(GMimeMessage* msg, ParsedMail& m) {
  GMimeObject* obj = GMIME_OBJECT(msg);
  if (const char* id = g_mime_message_get_message_id(msg)) {
    m.message_id = trim(id);
  }
  std::vector<std::string> from;
  add_mailboxes(g_mime_message_get_from(msg), from);
  if (!from.empty()) {
    m.from_address = from.front();
  }
  const std::string raw_from = raw_header(obj, "From");
  m.from_name = display_name_from_raw(raw_from);
  std::vector<std::string> reply_to;
  add_mailboxes(g_mime_message_get_reply_to(msg), reply_to);
  if (!reply_to.empty()) {
    m.reply_to = reply_to.front();
  }
  add_mailboxes(g_mime_message_get_to(msg), m.to);
  add_mailboxes(g_mime_message_get_cc(msg), m.cc);
  m.subject = trim(decode_header_words(raw_header(obj, "Subject")));
  m.date = raw_header(obj, "Date");
  m.in_reply_to = strip_angles(raw_header(obj, "In-Reply-To"));
  if (const std::size_t sp = m.in_reply_to.find_first_of(" \t"); sp != std::string::npos) {
    // "In-Reply-To: <a@b> (comment)" or several ids: keep the first id.
    m.in_reply_to = strip_angles(m.in_reply_to.substr(0, sp));
  }
  const std::string refs = raw_header(obj, "References");
  if (!refs.empty()) {
    if (GMimeReferences* r = g_mime_references_parse(nullptr, refs.c_str())) {
      const int n = g_mime_references_length(r);
      for (int i = 0; i < n; ++i) {
        m.references.emplace_back(g_mime_references_get_message_id(r, i));
      }
      g_mime_references_free(r);
    }
  }
  m.auto_submitted = lower(raw_header(obj, "Auto-Submitted"));
  m.precedence = lower(raw_header(obj, "Precedence"));
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  const int count = list == nullptr ? 0 : g_mime_header_list_get_count(list);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const std::string name = lower(g_mime_header_get_name(h));
    if (name.starts_with("list-")) {
      m.has_list_headers = true;
    } else if (name == "return-path" && !m.return_path) {
      const char* raw = g_mime_header_get_raw_value(h);
      std::string path = raw == nullptr ? std::string() : unfold(raw);
      const auto open = path.find('<');
      const auto close = path.find('>', open == std::string::npos ? 0 : open);
      if (open != std::string::npos && close != std::string::npos)
        path = path.substr(open + 1, close - open - 1);
      path.erase(0, path.find_first_not_of(" \t"));
      path.erase(path.find_last_not_of(" \t\r\n") + 1);
      m.return_path = lower(path);
    } else if (name == "x-auto-response-suppress" || name == "x-autoreply" ||
               name == "x-autorespond") {
      m.vendor_auto_reply = true;
    } else if (name == "authentication-results") {
      const char* raw = g_mime_header_get_raw_value(h);
      m.authentication_results.push_back(raw == nullptr ? std::string() : unfold(raw));
    }
  }
}

}  // namespace

Result<ParsedMail> parse_mail(std::string_view raw) {
  ensure_gmime_initialized();
  if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return invalid_input("The message is empty.");
  }
  if (count_content_type_lines(raw) > kMaxContentTypeLines) {
    return invalid_input("The message has more than 100 MIME parts.");
  }
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!msg) {
    return invalid_input("The input is not a mail: it has no header block.");
  }
  // GMime files Content-* headers under the top-level part, the others under the message.
  auto header_count = [](GMimeObject* obj) {
    GMimeHeaderList* list = obj == nullptr ? nullptr : g_mime_object_get_header_list(obj);
    return list == nullptr ? 0 : g_mime_header_list_get_count(list);
  };
  if (header_count(GMIME_OBJECT(msg.get())) +
          header_count(g_mime_message_get_mime_part(msg.get())) ==
      0) {
    return invalid_input("The input is not a mail: it has no header block.");
  }

  ParsedMail m;
  read_headers(msg.get(), m);
  Walk w(m);
  walk(g_mime_message_get_mime_part(msg.get()), 0, true, w);
  if (!w.error.empty()) {
    return invalid_input(w.error);
  }
  auto join = [](const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
      if (!out.empty() && !out.ends_with('\n')) {
        out += '\n';
      }
      out += p;
    }
    return out;
  };
  if (!w.plain_bodies.empty()) {
    m.text = join(w.plain_bodies);
  } else if (!w.html_bodies.empty()) {
    m.text = html_to_text(join(w.html_bodies));
  } else if (!w.attached_plain.empty()) {
    m.text = join(w.attached_plain);
  } else if (!w.attached_html.empty()) {
    m.text = html_to_text(join(w.attached_html));
  }
  m.text = normalize_newlines(m.text);
  if (m.from_address.empty() && m.message_id.empty() && m.text.empty() && m.attachments.empty()) {
    return invalid_input(
        "The input is not a mail: it has no From, no Message-ID, no body and no attachment.");
  }
  return m;
}

bool is_automatic(const ParsedMail& m) {
  if (!m.auto_submitted.empty() && m.auto_submitted != "no") {
    return true;
  }
  const std::string& p = m.precedence;
  return p == "bulk" || p == "junk" || p == "list" || m.has_list_headers || m.vendor_auto_reply ||
         !m.delivery_status.empty();
}

}  // namespace relais::connectors::email
