// The site channel's static files under /site/: only names the channel writes, one "media/"
// level, never a dot-file, a parent directory or the channel's internal entries.json.
#include <doctest/doctest.h>

#include "daemon/routes.hpp"

using namespace relais::daemon;
namespace fs = std::filesystem;

namespace {
const fs::path kDir = "/srv/site";
}

TEST_CASE("site_file accepts the files the site channel writes") {
  CHECK(site_file(kDir, "") == kDir / "index.html");
  CHECK(site_file(kDir, "index.html") == kDir / "index.html");
  CHECK(site_file(kDir, "atom.xml") == kDir / "atom.xml");
  CHECK(site_file(kDir, "media/pub-2026-0001-0.jpg") == kDir / "media" / "pub-2026-0001-0.jpg");
  CHECK(site_file(kDir, "pub-2026-0001.html") == kDir / "pub-2026-0001.html");
  CHECK(site_file(kDir, "Photo_1.JPG") == kDir / "Photo_1.JPG");
}

TEST_CASE("site_file refuses anything else") {
  for (const char* bad : {"../x",
                          "..",
                          ".",
                          ".hidden",
                          ".htaccess",
                          "entries.json",
                          "media/entries.json",
                          "media/../x",
                          "media/..",
                          "media/.hidden",
                          "media/",
                          "media/media/x.jpg",
                          "a/b",
                          "/etc/passwd",
                          "media//x.jpg",
                          "x%2F..",
                          "index.html?x=1",
                          "a b.html",
                          "a\\b",
                          "index.html\n",
                          "caf\xc3\xa9.html",
                          "media\\x.jpg",
                          "./index.html"}) {
    CAPTURE(bad);
    CHECK_FALSE(site_file(kDir, bad));
  }
  CHECK_FALSE(site_file(kDir, std::string_view("index.html\0.jpg", 15)));
}

TEST_CASE("site_file refuses over-long names") {
  CHECK(site_file(kDir, std::string(200, 'a')));
  CHECK_FALSE(site_file(kDir, std::string(201, 'a')));
  CHECK_FALSE(site_file(kDir, "media/" + std::string(201, 'a')));
}

TEST_CASE("site_file never leaves the site directory") {
  for (const char* name : {"index.html", "atom.xml", "media/pub-2026-0001-0.jpg", ""}) {
    const auto f = site_file(kDir, name);
    REQUIRE(f);
    const auto rel = f->lexically_normal().lexically_relative(kDir);
    CHECK_FALSE(rel.empty());
    CHECK(*rel.begin() != "..");
  }
}
