// Builds the RFC 5322 / MIME messages relais sends (plain text, optionally with an HTML
// alternative), and renders mail templates into them. Fails with invalid_input, never throws, when
// a value would inject a header (CR, LF, NUL), an address is not a plain addr-spec, or text is not
// UTF-8.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/common/template.hpp"
#include "connectors/connector.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::email {

// A picture the HTML part shows as <img src="cid:CONTENT_ID">: in a multipart/related beside it,
// so that no client fetches anything from the network (and none is tracked by it).
struct InlineImage {
  std::string content_id;    // without <>, e.g. "p1.PUB-2026-0042@example.org"
  std::string content_type;  // image/jpeg or image/png
  std::string filename;      // shown by clients that list it; UTF-8
  std::string bytes;
};

struct MailParts {
  std::string from;       // addr-spec, e.g. "publications@example.org"; also the envelope sender
  std::string from_name;  // display name, e.g. "relais — publications" (RFC 2047 if non-ASCII)
  std::vector<std::string> to;  // addr-specs; at least one
  std::string subject;  // UTF-8; RFC 2047 B-encoded (folded, words <= 75 chars) if non-ASCII
  std::string text;     // UTF-8 plain body; any line ending
  std::string html;     // optional HTML alternative (multipart/alternative when set)
  // With html: multipart/alternative { text/plain, multipart/related { text/html, images } }.
  std::vector<InlineImage> inline_images;
  std::string message_id;                      // without <>; required
  std::string in_reply_to;                     // without <>; optional
  std::vector<std::string> references;         // without <>
  std::chrono::system_clock::time_point date;  // the epoch (default) means "now"
  // Unstructured headers (name, value), e.g. {"Auto-Submitted", "auto-replied"} (overrides the
  // default auto-generated) or {"X-Relais-Reference", "PUB-2026-0042"}. Names the builder sets
  // itself (From, To, Subject, Date, Message-ID, Content-*, ...) and Cc/Bcc are refused.
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// Every mail gets Date (UTC, +0000), From, To, Subject, Message-ID, In-Reply-To/References when
// set, MIME-Version, Auto-Submitted: auto-generated, Content-Type charset=utf-8 with
// quoted-printable bodies (lines <= 76), CRLF line endings, 7-bit clean. The same parts give the
// same bytes. Addresses are dot-atom@domain (ASCII; quoted local parts and address literals are
// refused).
Result<OutgoingMail> build_message(const MailParts& parts);

// A Message-ID (without <>) for relais: "relais.<first 32 hex of SHA-256(key)>@<domain>", so that
// the same key (e.g. request id + effect id) gives the same id and a resend can be recognised.
std::string make_message_id(std::string_view key, std::string_view domain);

// Renders mail template NAME into out.subject/text/html. NAME.txt is "Subject: ..." on its first
// line (values escaped for a header), a blank line, then the plain body; NAME.html, when it exists
// in the same language, is the HTML alternative (values HTML-escaped), else out.html is cleared.
// LANG falls back to "fr" when it has no NAME.txt. Fails when the template is missing or malformed.
Result<void> render_mail(const TemplateSet& t, std::string_view lang, std::string_view name,
                         const boost::json::value& ctx, MailParts& out);

// True for a plain addr-spec relais accepts: dot-atom local part (<= 64), '@', a domain of
// LDH labels separated by dots (<= 253), 254 chars at most, ASCII only.
bool is_valid_addr_spec(std::string_view address);

}  // namespace relais::connectors::email
