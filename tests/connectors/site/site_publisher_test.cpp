// Tests of SitePublisher: the page, the feed (parsed by Python's xml.etree), the media copies,
// idempotency, removal, ordering, and each way create/remove can fail.
#include "connectors/site/site_publisher.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <thread>

#include "site_test_support.hpp"

namespace fs = std::filesystem;
using namespace relais::connectors;
using namespace relais::connectors::site;
using namespace relais::connectors::site::test;

namespace {

SiteOptions options_for(const fs::path& dir) {
  return SiteOptions{dir / "site", "Actualités & nouvelles", "http://127.0.0.1:8080/site/", "fr"};
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

std::size_t files_in(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("site: create writes an escaped, accessible page and copies the image") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  CHECK(site.type() == "site");
  Post post = sample_post(tmp.path());

  auto ref = site.create(post);
  REQUIRE(ref.ok());
  CHECK(ref->id == "pub-2026-0042");
  CHECK(ref->url == "http://127.0.0.1:8080/site/index.html#pub-2026-0042");

  fs::path media = tmp.path() / "site" / "media" / "pub-2026-0042-1.jpg";
  REQUIRE(fs::exists(media));
  CHECK(read_all(media) == tiny_jpeg());

  std::string html = read_all(tmp.path() / "site" / "index.html");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<html lang=\"fr\">") != std::string::npos);
  CHECK(html.find("<main>") != std::string::npos);
  CHECK(html.find("<article id=\"pub-2026-0042\"") != std::string::npos);
  CHECK(html.find("<h2 id=\"pub-2026-0042-title\">Fête de l&#39;école &amp; kermesse</h2>") !=
        std::string::npos);
  CHECK(html.find("<time datetime=\"2026-03-01T10:00:00Z\">1 mars 2026</time>") !=
        std::string::npos);
  CHECK(html.find("<p>Bonjour &lt;script&gt;alert(1)&lt;/script&gt; &amp; bienvenue</p>") !=
        std::string::npos);
  CHECK(html.find("<p>Deuxième ligne</p>") != std::string::npos);
  CHECK(html.find("<p></p>") == std::string::npos);  // the blank line makes no paragraph
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=\"media/pub-2026-0042-1.jpg\" alt=\"Des enfants &quot;dansent&quot;\"") !=
        std::string::npos);
  CHECK(html.find("<figcaption>Photo\u00a0: Jeanne &lt;Dupont&gt; &amp; Co</figcaption>") !=
        std::string::npos);
  CHECK(html.find("<style>") != std::string::npos);
  // No remote resource at all.
  CHECK(html.find("://") == std::string::npos);
  CHECK(html.find("\"//") == std::string::npos);

  std::string state = read_all(tmp.path() / "site" / "entries.json");
  CHECK(state.find("\"id\":\"pub-2026-0042\"") != std::string::npos);
  CHECK(state.find("\"published_at\":\"2026-03-01T10:00:00Z\"") != std::string::npos);
  CHECK(state.find("\"file\":\"pub-2026-0042-1.jpg\"") != std::string::npos);

  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(tmp.path() / "site")) {
    CHECK(e.path().filename().string().front() != '.');
  }
}

TEST_CASE("site: atom.xml is well-formed Atom and holds the entry") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  REQUIRE(site.create(sample_post(tmp.path())).ok());

  int status = -1;
  std::string out = atom_summary(tmp.path() / "site" / "atom.xml", status);
  INFO(out);
  REQUIRE(status == 0);
  CHECK(out.find("FEED Actualités & nouvelles|http://127.0.0.1:8080/site/atom.xml") !=
        std::string::npos);
  CHECK(count(out, "ENTRY ") == 1);
  CHECK(out.find("ENTRY tag:127.0.0.1,2026-03-01:site/pub-2026-0042|Fête de l'école & kermesse|"
                 "http://127.0.0.1:8080/site/index.html#pub-2026-0042|"
                 "image/jpeg," +
                 std::to_string(tiny_jpeg().size()) +
                 ",http://127.0.0.1:8080/site/media/pub-2026-0042-1.jpg|") != std::string::npos);
  // Content is HTML carried as text: the script in the mail stays escaped inside it.
  CHECK(out.find("<p>Bonjour &lt;script&gt;alert(1)&lt;/script&gt; &amp; bienvenue</p>") !=
        std::string::npos);
  CHECK(out.find("<script>") == std::string::npos);
}

TEST_CASE("site: create is idempotent") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post post = sample_post(tmp.path());
  auto first = site.create(post);
  REQUIRE(first.ok());

  SUBCASE("same post again") {
    auto again = site.create(post);
    REQUIRE(again.ok());
    CHECK(again->id == first->id);
    CHECK(again->url == first->url);
  }
  SUBCASE("same idempotency key, other reference") {
    post.reference = "PUB-2026-0099";
    auto again = site.create(post);
    REQUIRE(again.ok());
    CHECK(again->id == "pub-2026-0042");
  }
  SUBCASE("same id, other key") {
    post.idempotency_key = "other";
    auto again = site.create(post);
    REQUIRE(again.ok());
    CHECK(again->id == "pub-2026-0042");
  }
  std::string html = read_all(tmp.path() / "site" / "index.html");
  CHECK(count(html, "<article ") == 1);
  CHECK(files_in(tmp.path() / "site" / "media") == 1);
  int status = -1;
  CHECK(count(atom_summary(tmp.path() / "site" / "atom.xml", status), "ENTRY ") == 1);
}

TEST_CASE("site: a retry after a crash between state and pages rewrites the pages") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post post = sample_post(tmp.path());
  REQUIRE(site.create(post).ok());
  fs::remove(tmp.path() / "site" / "index.html");
  fs::remove(tmp.path() / "site" / "atom.xml");
  REQUIRE(site.create(post).ok());
  CHECK(count(read_all(tmp.path() / "site" / "index.html"), "<article ") == 1);
  CHECK(fs::exists(tmp.path() / "site" / "atom.xml"));
}

TEST_CASE("site: remove deletes the entry and its media, and is idempotent") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post keep = sample_post(tmp.path(), "PUB-2026-0042-2");  // shares a prefix with the removed one
  keep.published_at = utc(2026, 2, 1);
  REQUIRE(site.create(keep).ok());
  auto ref = site.create(sample_post(tmp.path()));
  REQUIRE(ref.ok());
  // A media file left by an interrupted create of the same id goes too.
  write_all(tmp.path() / "site" / "media" / "pub-2026-0042-7.png", "x");

  REQUIRE(site.remove(*ref).ok());
  std::string html = read_all(tmp.path() / "site" / "index.html");
  CHECK(html.find("id=\"pub-2026-0042\"") == std::string::npos);
  CHECK(html.find("id=\"pub-2026-0042-2\"") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path() / "site" / "media" / "pub-2026-0042-1.jpg"));
  CHECK_FALSE(fs::exists(tmp.path() / "site" / "media" / "pub-2026-0042-7.png"));
  CHECK(fs::exists(tmp.path() / "site" / "media" / "pub-2026-0042-2-1.jpg"));
  CHECK(read_all(tmp.path() / "site" / "entries.json").find("\"pub-2026-0042\"") ==
        std::string::npos);
  int status = -1;
  std::string atom = atom_summary(tmp.path() / "site" / "atom.xml", status);
  CHECK(status == 0);
  CHECK(count(atom, "ENTRY ") == 1);
  CHECK(atom.find("site/pub-2026-0042-2|") != std::string::npos);

  CHECK(site.remove(*ref).ok());  // already gone
  REQUIRE(site.remove(PostRef{"pub-2026-0042-2", ""}).ok());
  CHECK(read_all(tmp.path() / "site" / "index.html").find("Aucune actualité pour le moment.") !=
        std::string::npos);
  CHECK(files_in(tmp.path() / "site" / "media") == 0);
}

TEST_CASE("site: removing from a site never published succeeds and writes nothing") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  CHECK(site.remove(PostRef{"pub-2026-0001", "x"}).ok());
  CHECK_FALSE(fs::exists(tmp.path() / "site"));
}

TEST_CASE("site: remove refuses an id that is not a slug") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  for (const char* id : {"", "../entries", "PUB-2026-0042", "a/b", "a b", "-a"}) {
    INFO(id);
    auto r = site.remove(PostRef{id, ""});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::invalid_input);
  }
}

TEST_CASE("site: entries are ordered newest first") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post newer = sample_post(tmp.path(), "PUB-2026-0002");
  newer.published_at = utc(2026, 4, 2);
  Post older = sample_post(tmp.path(), "PUB-2026-0001");
  older.published_at = utc(2026, 4, 1);
  Post same_time = sample_post(tmp.path(), "PUB-2026-0003");
  same_time.published_at = utc(2026, 4, 1);
  REQUIRE(site.create(newer).ok());
  REQUIRE(site.create(older).ok());
  REQUIRE(site.create(same_time).ok());  // same time as `older`, created later: shown first

  std::string html = read_all(tmp.path() / "site" / "index.html");
  auto p2 = html.find("id=\"pub-2026-0002\"");
  auto p3 = html.find("id=\"pub-2026-0003\"");
  auto p1 = html.find("id=\"pub-2026-0001\"");
  REQUIRE(p1 != std::string::npos);
  REQUIRE(p2 != std::string::npos);
  REQUIRE(p3 != std::string::npos);
  CHECK(p2 < p3);
  CHECK(p3 < p1);

  int status = -1;
  std::string atom = atom_summary(tmp.path() / "site" / "atom.xml", status);
  CHECK(atom.find("site/pub-2026-0002|") < atom.find("site/pub-2026-0003|"));
  CHECK(atom.find("site/pub-2026-0003|") < atom.find("site/pub-2026-0001|"));
}

TEST_CASE("site: a missing media file is a permanent error and leaves nothing behind") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post post = sample_post(tmp.path());
  post.media.push_back({tmp.path() / "gone.jpg", "image/jpeg", "", ""});
  auto r = site.create(post);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == relais::ErrorKind::permanent);
  CHECK(r.error().message.find("missing") != std::string::npos);
  CHECK(files_in(tmp.path() / "site" / "media") == 0);
  CHECK_FALSE(fs::exists(tmp.path() / "site" / "entries.json"));
}

TEST_CASE("site: an unwritable directory is a transient error") {
  TempDir tmp;
  SUBCASE("the directory's parent is a file") {
    write_all(tmp.path() / "plain", "not a directory");
    SitePublisher site(SiteOptions{tmp.path() / "plain" / "site", "T", "http://h/", "fr"});
    auto r = site.create(sample_post(tmp.path()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::transient);
    CHECK_FALSE(r.error().message.empty());
  }
  SUBCASE("index.html cannot replace a directory of that name") {
    fs::create_directories(tmp.path() / "site" / "index.html" / "x");
    SitePublisher site(options_for(tmp.path()));
    auto r = site.create(sample_post(tmp.path()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::transient);
  }
  SUBCASE("the directory is read-only") {
    if (::geteuid() == 0) {
      MESSAGE("skipped: root ignores directory permissions");
      return;
    }
    fs::create_directories(tmp.path() / "site" / "media");
    fs::permissions(tmp.path() / "site", fs::perms::owner_read | fs::perms::owner_exec);
    SitePublisher site(options_for(tmp.path()));
    auto r = site.create(sample_post(tmp.path()));
    fs::permissions(tmp.path() / "site", fs::perms::owner_all);  // so that TempDir can clean up
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::transient);
  }
}

TEST_CASE("site: media type decides the extension, never the file's name") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post post = sample_post(tmp.path());
  write_all(tmp.path() / "evil.php", "png bytes");
  post.media = {{tmp.path() / "evil.php", "Image/PNG; name=evil.php", "", ""},
                {tmp.path() / "evil.php", "video/mp4", "", "Un film"}};
  REQUIRE(site.create(post).ok());
  CHECK(fs::exists(tmp.path() / "site" / "media" / "pub-2026-0042-1.png"));
  CHECK(fs::exists(tmp.path() / "site" / "media" / "pub-2026-0042-2.mp4"));
  CHECK(files_in(tmp.path() / "site" / "media") == 2);
  std::string html = read_all(tmp.path() / "site" / "index.html");
  CHECK(html.find("<video controls") != std::string::npos);
  CHECK(html.find("Vidéo\u00a0: Jeanne") != std::string::npos);
}

TEST_CASE("site: a media type the page cannot show is a permanent error") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  for (const char* type : {"application/x-php", "", "image/svg+xml", "text/html"}) {
    INFO(type);
    Post post = sample_post(tmp.path());
    post.media[0].content_type = type;
    auto r = site.create(post);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::permanent);
  }
  CHECK_FALSE(fs::exists(tmp.path() / "site"));
}

TEST_CASE("site: a post without reference nor key is invalid input") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post post = sample_post(tmp.path());
  post.reference = "---";
  post.idempotency_key = "";
  auto r = site.create(post);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == relais::ErrorKind::invalid_input);

  post.idempotency_key = "Req 12 / Site";  // falls back on the key
  auto ok = site.create(post);
  REQUIRE(ok.ok());
  CHECK(ok->id == "req-12-site");
}

TEST_CASE("site: a damaged entries.json is a permanent error and is kept") {
  TempDir tmp;
  fs::create_directories(tmp.path() / "site");
  for (const char* damaged :
       {"{not json", "[]", "{\"entries\":{}}", "{\"entries\":[{\"id\":\"../x\"}]}",
        "{\"entries\":[{\"id\":\"a\",\"media\":[{\"file\":\"../../etc/passwd\"}]}]}",
        "{\"entries\":[{\"id\":\"a\",\"media\":[{\"file\":\"b-1.jpg\"}]}]}"}) {
    INFO(damaged);
    write_all(tmp.path() / "site" / "entries.json", damaged);
    SitePublisher site(options_for(tmp.path()));
    auto r = site.create(sample_post(tmp.path()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::permanent);
    auto rm = site.remove(PostRef{"a", ""});
    REQUIRE_FALSE(rm.ok());
    CHECK(rm.error().kind == relais::ErrorKind::permanent);
    CHECK(read_all(tmp.path() / "site" / "entries.json") == damaged);
  }
}

TEST_CASE("site: control characters in the text keep atom.xml well-formed") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  Post post = sample_post(tmp.path());
  post.title = std::string("Titre\x01\x1b[31m");
  post.text = std::string(
                  "a\x00"
                  "b\x0c",
                  4) +
              "\r\nligne\r\n";
  post.media.clear();
  REQUIRE(site.create(post).ok());
  int status = -1;
  std::string out = atom_summary(tmp.path() / "site" / "atom.xml", status);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("|Titre[31m|") != std::string::npos);
  std::string html = read_all(tmp.path() / "site" / "index.html");
  CHECK(html.find("<p>ab</p>\n<p>ligne</p>") != std::string::npos);
  CHECK(html.find("<figure>") == std::string::npos);
}

TEST_CASE("site: options: a public_url without a final slash, English labels, no author") {
  TempDir tmp;
  SitePublisher site(
      SiteOptions{tmp.path() / "site", "News", "https://intranet.example.org/news", "en"});
  Post post = sample_post(tmp.path());
  post.author.clear();
  auto ref = site.create(post);
  REQUIRE(ref.ok());
  CHECK(ref->url == "https://intranet.example.org/news/index.html#pub-2026-0042");
  std::string html = read_all(tmp.path() / "site" / "index.html");
  CHECK(html.find("<html lang=\"en\">") != std::string::npos);
  CHECK(html.find("1 March 2026") != std::string::npos);
  CHECK(html.find("<figcaption>") == std::string::npos);
  int status = -1;
  std::string out = atom_summary(tmp.path() / "site" / "atom.xml", status);
  CHECK(status == 0);
  CHECK(out.find("tag:intranet.example.org,2026-03-01:site/pub-2026-0042") != std::string::npos);
}

TEST_CASE("site: concurrent creates from several threads all land") {
  TempDir tmp;
  SitePublisher site(options_for(tmp.path()));
  std::vector<Post> posts;
  for (int i = 0; i < 8; ++i) {
    posts.push_back(sample_post(tmp.path(), "PUB-2026-01" + std::to_string(10 + i)));
  }
  std::vector<int> ok(posts.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    threads.emplace_back([&, i] { ok[i] = site.create(posts[i]).ok() ? 1 : 0; });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int v : ok) {
    CHECK(v == 1);
  }
  CHECK(count(read_all(tmp.path() / "site" / "index.html"), "<article ") == posts.size());
  CHECK(files_in(tmp.path() / "site" / "media") == posts.size());
}
