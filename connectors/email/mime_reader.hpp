// Reads an inbound mail (raw RFC 5322 bytes) into plain values: addresses, decoded subject, the
// body as UTF-8 text and the attachments' decoded bytes. Fails only when the input is not a mail at
// all or exceeds the nesting/part limits; damaged or truncated mail parses as far as it goes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors::email {

struct Attachment {
  std::string filename;      // decoded (RFC 2047 / RFC 2231) display name, sanitised: no path
                             // separators, no control chars, no leading dots, max 200 bytes;
                             // never used as a path by anyone
  std::string content_type;  // lowercase "image/jpeg"
  std::string data;          // decoded bytes
  bool inline_part = false;  // Content-Disposition: inline (still an attachment if it is an image)
};

struct ParsedMail {
  std::string message_id;               // without <>; empty if missing
  std::string from_address;             // lowercase addr-spec of From; empty if unparseable
  std::string from_name;                // decoded display name
  std::string reply_to;                 // addr-spec or empty
  std::vector<std::string> to, cc;      // addr-specs lowercase
  std::string subject;                  // decoded UTF-8, unfolded
  std::string date;                     // raw Date header
  std::string in_reply_to;              // without <>
  std::vector<std::string> references;  // without <>
  std::string text;  // the body as plain UTF-8 text (text/plain preferred; HTML-only made plain:
                     // tags removed, entities decoded, <br>/<p> as newlines); charset converted,
                     // line endings "\n"
  std::string auto_submitted;                       // raw value of Auto-Submitted, lowercase
  std::string precedence;                           // lowercase
  bool has_list_headers = false;                    // any List-* header
  std::vector<std::string> authentication_results;  // raw header values
  // X-Auto-Response-Suppress, X-Autoreply or X-Autorespond present: Exchange and vacation
  // programs mark their automatic replies so, sometimes without Auto-Submitted.
  bool vendor_auto_reply = false;
  // A delivery status notification (RFC 3464): the message/delivery-status part as sent (at most
  // 64 KiB), and the Message-ID of the message it returns (its message/rfc822 or
  // text/rfc822-headers part). Also set for the first message attached to any mail (a forward).
  std::string delivery_status;
  std::string attached_message_id;
  // Return-Path as the delivering MTA wrote it: nullopt when absent, "" for the null sender
  // "<>", else the lowercase addr-spec.
  std::optional<std::string> return_path;
  std::vector<Attachment> attachments;  // every non-body leaf part with a body (images, pdf, ...)
};

// Parses raw RFC 5322 bytes. Fails (invalid_input, with a sentence saying why) only when the input
// is not a mail at all (no header block, no From and no Message-ID and no body...). Truncated or
// malformed messages parse as far as they go. Limits: max nesting depth 20, max 100 parts (beyond:
// invalid_input).
Result<ParsedMail> parse_mail(std::string_view raw);

// Decodes an RFC 2047 header value, each encoded-word on its own (GMime 3.2.13 mis-decodes adjacent
// encoded-words, upstream issue 133); used by parse_mail for Subject and filenames; exposed for
// tests. Unfolds, drops whitespace between adjacent encoded-words, converts to UTF-8 and replaces
// control characters with spaces.
std::string decode_header_words(std::string_view raw_header_value);

// True when the message is automatic mail that must never be answered (Auto-Submitted other than
// "no", Precedence bulk/junk/list, any List-* header, a vendor auto-reply header, a delivery
// status report); the null sender is checked by the caller.
bool is_automatic(const ParsedMail& m);

}  // namespace relais::connectors::email
