// The site's state: the list of published entries, stored as dir/entries.json (Boost.JSON).
// Parsing returns a permanent Error for a damaged file; it never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors::site {

struct SiteMedia {
  std::string file;          // name inside dir/media/, always "<id>-<n>.<ext>"
  std::string content_type;  // "image/jpeg", ...
  std::string alt;           // alternative text; may be empty
  std::uint64_t length = 0;  // size in bytes, for the Atom enclosure
};

struct SiteEntry {
  std::string id;               // lowercase slug of the reference, e.g. "pub-2026-0042"
  std::string idempotency_key;  // the Post's key, to recognise a retry
  std::string title;
  std::string text;
  std::string author;        // photo credit; may be empty
  std::string published_at;  // UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::vector<SiteMedia> media;
};

// "PUB-2026-0042" -> "pub-2026-0042": ASCII letters and digits kept (lowercased), every other
// run of bytes becomes one '-', no leading or trailing '-', at most 80 bytes. May be empty.
std::string make_slug(std::string_view reference);

// True when `id` is a slug make_slug could have produced (so it is safe in a file name).
bool is_slug(std::string_view id);

// True when `file` is "<id>-<n>.<ext>": n decimal digits, ext lowercase letters and digits.
bool is_media_file_name(std::string_view id, std::string_view file);

// UTC ISO 8601 with a Z, second precision: "2026-03-01T10:00:00Z".
std::string format_utc(std::chrono::system_clock::time_point t);

// The media file extension for a content type ("image/jpeg" -> "jpg"); nullopt when the site
// cannot show that type. Parameters (";charset=…") and case are ignored.
std::optional<std::string> extension_for(std::string_view content_type);

// Entries newest first (published_at descending; among equal times, the order given is kept).
void sort_newest_first(std::vector<SiteEntry>& entries);

std::string serialize_entries(const std::vector<SiteEntry>& entries);

// Parses entries.json. Rejects (permanent) a file that is not the expected shape or that names
// a media file outside the "<id>-<n>.<ext>" pattern, so a damaged or edited file can never make
// relais read or delete another path.
Result<std::vector<SiteEntry>> parse_entries(std::string_view json);

}  // namespace relais::connectors::site
