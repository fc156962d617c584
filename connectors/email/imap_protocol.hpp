// The IMAP4rev1 wire format (RFC 3501) as the IMAP client needs it: commands' arguments written
// safely, and the server's responses read into a small structure. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors::email::imap {

// One response as read off the wire: its line(s), with each literal ({n}CRLF + n bytes)
// taken out into `literals` and left in the line as "{n}".
struct Response {
  std::string line;  // without the final CRLF
  std::vector<std::string> literals;

  bool untagged() const { return line.starts_with("* "); }
  bool continuation() const { return line.starts_with("+"); }
};

// The literal announced at the end of a line ("... {123}" or LITERAL+'s "{123+}"), if any.
std::optional<std::size_t> literal_at_end(std::string_view line);

// A tagged status: "A7 OK [CAPABILITY ...] Logged in".
struct Status {
  std::string tag;
  std::string kind;  // OK, NO, BAD (upper case)
  std::string code;  // the response code without brackets ("AUTHENTICATIONFAILED", "TRYCREATE"...)
  std::string text;  // the human text after it
};
std::optional<Status> tagged_status(std::string_view tag, std::string_view line);

// "* OK [UIDVALIDITY 3857529045] ..." → ("UIDVALIDITY", "3857529045"); also for tagged lines.
std::optional<std::pair<std::string, std::string>> response_code(std::string_view line);

// "* 23 EXISTS" → 23; also EXPUNGE and RECENT by the word asked.
std::optional<std::uint32_t> untagged_number(std::string_view line, std::string_view word);

// The capabilities in "* CAPABILITY ..." or an "[CAPABILITY ...]" code, upper case.
std::optional<std::vector<std::string>> capabilities(std::string_view line);

// "* SEARCH 4 9 12" → {4, 9, 12}; nullopt when the line is not a SEARCH answer.
std::optional<std::vector<std::uint32_t>> search_result(std::string_view line);

// One message of a FETCH answer.
struct Fetched {
  std::uint32_t sequence = 0;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint64_t> size;  // RFC822.SIZE
  std::optional<std::string> body;    // BODY[] (the whole message)
  std::vector<std::string> flags;
};
// Reads "* 3 FETCH (UID 12 RFC822.SIZE 2310 FLAGS (\Seen) BODY[] {2310})" with its literal.
std::optional<Fetched> fetch_result(const Response& response);

// A mailbox name for a command: modified UTF-7 (RFC 3501 5.1.3) in a quoted string, so that
// "relais/traités" is sent as "relais/trait&AOk-s".
std::string mailbox_argument(std::string_view utf8);
std::string modified_utf7(std::string_view utf8);

// A quoted string for LOGIN; invalid_input when the text cannot be quoted (CR, LF, NUL, 8-bit).
Result<std::string> quoted(std::string_view text);

}  // namespace relais::connectors::email::imap
