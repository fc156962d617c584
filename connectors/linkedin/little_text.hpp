// LinkedIn's "little" text format, in which the Posts API takes and returns a post's
// commentary: | { } @ [ ] ( ) < > # \ * _ ~ mark mentions, hashtags and templates, and must be
// backslash-escaped to be read as plain text (unescaped, LinkedIn may cut the text short at
// the first of them, answering success). Pure functions; invalid UTF-8 passes through as is.
#pragma once

#include <string>
#include <string_view>

namespace relais::connectors::linkedin {

// Whether `c` is one of the characters little reserves.
bool is_little_reserved(char c);

// The text as little plain text: each reserved character preceded by a backslash.
std::string little_escape(std::string_view text);

// The plain text of a commentary: a backslash before a reserved character dropped (any other
// backslash kept), so that what little_escape() wrote reads back as it was.
std::string little_unescape(std::string_view commentary);

// Whether a commentary LinkedIn returned holds `text`, spaces collapsed (http::same_text):
// compared in its escaped form read back (what relais sends), and as is (a post made by other
// means, or returned unescaped).
bool commentary_holds(std::string_view commentary, std::string_view text);

}  // namespace relais::connectors::linkedin
