// The site's entries and their JSON form (dir/entries.json), slugs, times and media types.
// parse_entries returns a permanent Error for a damaged file; nothing here throws to callers.
#include "connectors/site/site_entry.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/json.hpp>
#include <ctime>

namespace relais::connectors::site {
namespace json = boost::json;

namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return {};
  }
  return std::string(v->as_string());
}

}  // namespace

bool is_media_file_name(std::string_view id, std::string_view file) {
  if (file.size() <= id.size() + 1 || file.substr(0, id.size()) != id || file[id.size()] != '-') {
    return false;
  }
  std::string_view rest = file.substr(id.size() + 1);
  std::size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == rest.size()) {
    return false;
  }
  return std::all_of(rest.begin(), rest.begin() + dot,
                     [](char c) { return c >= '0' && c <= '9'; }) &&
         std::all_of(rest.begin() + dot + 1, rest.end(), is_lower_alnum);
}

std::string make_slug(std::string_view reference) {
  std::string out;
  bool pending_dash = false;
  for (char c : reference) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (is_lower_alnum(c)) {
      if (pending_dash && !out.empty()) {
        out += '-';
      }
      pending_dash = false;
      out += c;
    } else {
      pending_dash = true;
    }
    if (out.size() >= 80) {
      break;
    }
  }
  return out;
}

bool is_slug(std::string_view id) {
  return !id.empty() && id.size() <= 80 && make_slug(id) == id;
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<std::string> extension_for(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' ' || c == '\t'; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  static constexpr std::pair<std::string_view, std::string_view> table[] = {
      {"image/jpeg", "jpg"},  {"image/png", "png"}, {"image/gif", "gif"},
      {"image/webp", "webp"}, {"video/mp4", "mp4"}, {"video/webm", "webm"},
  };
  for (const auto& [name, ext] : table) {
    if (type == name) {
      return std::string(ext);
    }
  }
  return std::nullopt;
}

void sort_newest_first(std::vector<SiteEntry>& entries) {
  // The fixed "YYYY-MM-DDTHH:MM:SSZ" form sorts as text in time order.
  std::stable_sort(entries.begin(), entries.end(), [](const SiteEntry& a, const SiteEntry& b) {
    return a.published_at > b.published_at;
  });
}

std::string serialize_entries(const std::vector<SiteEntry>& entries) {
  json::array list;
  for (const SiteEntry& e : entries) {
    json::array media;
    for (const SiteMedia& m : e.media) {
      media.push_back(json::object{{"file", m.file},
                                   {"content_type", m.content_type},
                                   {"alt", m.alt},
                                   {"length", m.length}});
    }
    list.push_back(json::object{{"id", e.id},
                                {"idempotency_key", e.idempotency_key},
                                {"title", e.title},
                                {"text", e.text},
                                {"author", e.author},
                                {"published_at", e.published_at},
                                {"media", std::move(media)}});
  }
  return json::serialize(json::object{{"version", 1}, {"entries", std::move(list)}}) + "\n";
}

Result<std::vector<SiteEntry>> parse_entries(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) {
    return permanent("The site state file entries.json is not valid JSON; fix or remove it.");
  }
  const json::value* list = root.as_object().if_contains("entries");
  if (list == nullptr || !list->is_array()) {
    return permanent("The site state file entries.json has no \"entries\" list.");
  }
  std::vector<SiteEntry> entries;
  for (const json::value& v : list->as_array()) {
    if (!v.is_object()) {
      return permanent("The site state file entries.json holds an entry that is not an object.");
    }
    const json::object& o = v.as_object();
    SiteEntry e{string_field(o, "id"),
                string_field(o, "idempotency_key"),
                string_field(o, "title"),
                string_field(o, "text"),
                string_field(o, "author"),
                string_field(o, "published_at"),
                {}};
    if (!is_slug(e.id)) {
      return permanent("The site state file entries.json holds an entry with a bad id.");
    }
    if (const json::value* media = o.if_contains("media"); media != nullptr) {
      if (!media->is_array()) {
        return permanent("The site state file entries.json holds a bad media list.");
      }
      for (const json::value& mv : media->as_array()) {
        if (!mv.is_object()) {
          return permanent("The site state file entries.json holds a bad media item.");
        }
        const json::object& mo = mv.as_object();
        SiteMedia m{string_field(mo, "file"), string_field(mo, "content_type"),
                    string_field(mo, "alt"), 0};
        if (!is_media_file_name(e.id, m.file)) {
          return permanent("The site state file entries.json names a media file it may not use.");
        }
        if (const json::value* len = mo.if_contains("length"); len != nullptr) {
          auto n = len->to_number<std::uint64_t>(ec);
          m.length = ec ? 0 : n;
        }
        e.media.push_back(std::move(m));
      }
    }
    entries.push_back(std::move(e));
  }
  sort_newest_first(entries);
  return entries;
}

}  // namespace relais::connectors::site
