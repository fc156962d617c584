// Tests of the site's pure pieces: slugs, UTC formatting, media types, entries.json round trip.
#include "connectors/site/site_entry.hpp"

#include <doctest/doctest.h>

#include "site_test_support.hpp"

using namespace relais::connectors::site;

TEST_CASE("site entry: make_slug and is_slug") {
  CHECK(make_slug("PUB-2026-0042") == "pub-2026-0042");
  CHECK(make_slug("  Pub 2026/0042 ") == "pub-2026-0042");
  CHECK(make_slug("../../etc/passwd") == "etc-passwd");
  CHECK(make_slug("Été-2026") == "t-2026");
  CHECK(make_slug("") == "");
  CHECK(make_slug("---") == "");
  CHECK(make_slug(std::string(200, 'a')).size() == 80);
  CHECK(is_slug("pub-2026-0042"));
  CHECK_FALSE(is_slug(""));
  CHECK_FALSE(is_slug("Pub"));
  CHECK_FALSE(is_slug("a--b"));
  CHECK_FALSE(is_slug("a-"));
  CHECK_FALSE(is_slug("a.b"));
  CHECK_FALSE(is_slug(std::string(81, 'a')));
}

TEST_CASE("site entry: media file names") {
  CHECK(is_media_file_name("pub-1", "pub-1-1.jpg"));
  CHECK(is_media_file_name("pub-1", "pub-1-12.webp"));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-1-2-1.jpg"));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-1-.jpg"));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-1-1."));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-1-1"));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-1-1.JPG"));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-1-1.j/g"));
  CHECK_FALSE(is_media_file_name("pub-1", "pub-2-1.jpg"));
  CHECK_FALSE(is_media_file_name("pub-1", "../pub-1-1.jpg"));
}

TEST_CASE("site entry: format_utc and extension_for") {
  CHECK(format_utc(relais::connectors::site::test::utc(2026, 10, 25, 1)) == "2026-10-25T01:00:00Z");
  CHECK(format_utc({}) == "1970-01-01T00:00:00Z");
  CHECK(extension_for("image/jpeg") == "jpg");
  CHECK(extension_for("IMAGE/JPEG ; q=1") == "jpg");
  CHECK(extension_for("image/png") == "png");
  CHECK(extension_for("video/webm") == "webm");
  CHECK_FALSE(extension_for("image/svg+xml").has_value());
  CHECK_FALSE(extension_for("").has_value());
  CHECK_FALSE(extension_for("image/jpeg/../x").has_value());
}

TEST_CASE("site entry: entries.json round trip keeps every field and sorts newest first") {
  std::vector<SiteEntry> entries = {
      {"a",
       "k1",
       "T1 \"q\"",
       "line1\nline2",
       "Zoé",
       "2026-01-01T00:00:00Z",
       {{"a-1.jpg", "image/jpeg", "alt", 123}}},
      {"b", "k2", "T2", "", "", "2026-02-01T00:00:00Z", {}},
  };
  auto parsed = parse_entries(serialize_entries(entries));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].id == "b");
  const SiteEntry& a = (*parsed)[1];
  CHECK(a.idempotency_key == "k1");
  CHECK(a.title == "T1 \"q\"");
  CHECK(a.text == "line1\nline2");
  CHECK(a.author == "Zoé");
  REQUIRE(a.media.size() == 1);
  CHECK(a.media[0].file == "a-1.jpg");
  CHECK(a.media[0].content_type == "image/jpeg");
  CHECK(a.media[0].alt == "alt");
  CHECK(a.media[0].length == 123);
}

TEST_CASE("site entry: parse_entries rejects damaged files") {
  for (const char* bad :
       {"", "null", "{", "{\"entries\":7}", "{\"entries\":[1]}", "{\"entries\":[{}]}",
        "{\"entries\":[{\"id\":\"a\",\"media\":{}}]}",
        "{\"entries\":[{\"id\":\"a\",\"media\":[\"a-1.jpg\"]}]}",
        "{\"entries\":[{\"id\":\"a\",\"media\":[{\"file\":\"/etc/passwd\"}]}]}"}) {
    INFO(bad);
    auto r = parse_entries(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::permanent);
  }
  auto empty = parse_entries("{\"version\":1,\"entries\":[]}");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}
