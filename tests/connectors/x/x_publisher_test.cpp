// The X connector against a fake X API v2 that checks each call against the documentation
// (fake_x.py): the rotating refresh token kept in its file, photos and a chunked video
// uploaded and waited for, one post even when the answer is lost, removal, find through X's
// t.co rewriting, and the errors a referent must read.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../local_server.hpp"
#include "connectors/x/x_publisher.hpp"
#include "connectors/x/x_tweet_text.hpp"
#include "workflow/sha256.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace relais::connectors;
using namespace relais::connectors::x;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

const std::string kFake = std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/x/fake_x.py";
const std::string kStale =
    "authorise relais again and put the new refresh token in refresh_token_file";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One fake for the whole run (a Python start costs more than a test), reset by each fixture.
relais::test::LocalServer& fake_server() {
  static relais::test::LocalServer server{kFake};
  return server;
}

struct Fake {
  relais::test::LocalServer& server = fake_server();
  std::shared_ptr<http::Client> client = std::make_shared<http::Client>(http::ClientOptions{});
  fs::path dir;
  XOptions options;

  Fake() {
    char name[] = "/tmp/relais-x-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    const std::string base = server.url("http", "127.0.0.1", "");
    options.base_url = base;
    options.upload_base_url = base + "/";
    options.token_url = base + "/2/oauth2/token";
    options.client_id = "relais-app";
    options.client_secret = "app-secret";
    options.refresh_token_file = dir / "x-refresh-token";
    options.chunk_bytes = 64 * 1024;
    options.max_poll_wait = 10ms;
    std::ofstream(options.refresh_token_file) << "rt-1\n";
    control("/__reset", "{}");
  }
  ~Fake() { fs::remove_all(dir); }

  MediaFile file(const std::string& name, std::size_t size, const std::string& type,
                 const std::string& alt = "") {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      bytes[i] = static_cast<char>(i % 251);
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return {dir / name, type, relais::workflow::sha256_hex(bytes), alt};
  }

  Post post(std::string text = "Le marché de Noël ouvre samedi sur la place de la mairie.") {
    Post p;
    p.idempotency_key = "12:x";
    p.reference = "PUB-2026-0012";
    p.text = std::move(text);
    p.author = "Jeanne Martin";
    return p;
  }

  std::string token_file() const { return slurp(options.refresh_token_file); }

  json::object state() { return relais::test::fake_state(options.base_url); }
  void control(const std::string& path, const std::string& body) {
    relais::test::fake_post(options.base_url, path, body);
  }
  void fault(const std::string& body) { control("/__fault", body); }
  void setup(const std::string& body) { control("/__setup", body); }
};

std::vector<std::string> calls(const json::object& state) {
  std::vector<std::string> out;
  for (const auto& c : state.at("calls").as_array())
    out.emplace_back(c.as_string());
  return out;
}

std::size_t count(const std::vector<std::string>& calls, std::string_view prefix) {
  return static_cast<std::size_t>(std::count_if(
      calls.begin(), calls.end(), [&](const std::string& c) { return c.starts_with(prefix); }));
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("x: a photo with its alternative text, and the rotated refresh token kept in its file") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  Post p = f.post();
  p.media = {f.file("marche.jpg", 5000, "image/jpeg", "Les chalets illuminés devant la mairie")};
  auto ref = publisher.create(p);
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(ref->url == "https://x.com/i/web/status/" + ref->id);

  const auto s = f.state();
  const auto& tweet = s.at("tweets").at(ref->id).as_object();
  CHECK(tweet.at("posted") ==
        "Le marché de Noël ouvre samedi sur la place de la mairie.\n\n© Jeanne Martin");
  REQUIRE(tweet.at("media_ids").as_array().size() == 1);
  const std::string media_id(tweet.at("media_ids").as_array()[0].as_string());
  const auto& media = s.at("media").at(media_id).as_object();
  CHECK(media.at("category") == "tweet_image");
  CHECK(media.at("sha256").as_string() == p.media[0].sha256);
  CHECK(media.at("alt_text") == "Les chalets illuminés devant la mairie");
  CHECK(calls(s) == std::vector<std::string>{"POST /2/oauth2/token",
                                             "POST /2/media/upload/initialize",
                                             "POST /2/media/upload/" + media_id + "/append",
                                             "POST /2/media/upload/" + media_id + "/finalize",
                                             "POST /2/media/metadata", "POST /2/tweets"});
  // The documented shapes, as the fake received them.
  const auto& requests = s.at("requests").as_array();
  CHECK(requests[0].at("fields") == json::parse(R"(["client_id","grant_type","refresh_token"])"));
  CHECK(requests[1].at("body") ==
        json::parse(
            R"({"media_type":"image/jpeg","total_bytes":5000,"media_category":"tweet_image"})"));
  CHECK(requests[2].at("body").at("media") ==
        json::parse("{\"media_ids\":[\"" + media_id + "\"]}"));

  // X rotated the refresh token: the new one is in the file, for the owner only, and the old
  // one no longer works.
  CHECK(f.token_file() == "rt-2\n");
  struct stat st {};
  REQUIRE(::stat(f.options.refresh_token_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(s.at("refresh_tokens") == json::parse(R"(["rt-2"])"));
  CHECK(std::distance(fs::directory_iterator(f.dir), fs::directory_iterator()) ==
        2);  // no temp file
  // A restarted daemon starts from the file.
  XPublisher restarted(f.options, f.client);
  auto checked = restarted.check();
  REQUIRE_MESSAGE(checked.ok(), checked.error().message);
  CHECK(f.token_file() == "rt-3\n");
}

TEST_CASE("x: four photos on one post; a video sent in chunks and waited for") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  SUBCASE("four photos") {
    Post p = f.post();
    for (int i = 0; i < 4; ++i)
      p.media.push_back(f.file(fmt::format("photo{}.png", i), 3000 + i, "image/png"));
    auto ref = publisher.create(p);
    REQUIRE_MESSAGE(ref.ok(), ref.error().message);
    const auto s = f.state();
    CHECK(s.at("tweets").at(ref->id).at("media_ids").as_array().size() == 4);
    CHECK(count(calls(s), "POST /2/media/metadata") == 0);  // no alternative text given
  }
  SUBCASE("a video") {
    Post p = f.post();
    p.media = {f.file("marche.mp4", 200000, "video/mp4", "ignored: X describes photos")};
    auto ref = publisher.create(p);
    REQUIRE_MESSAGE(ref.ok(), ref.error().message);
    const auto s = f.state();
    const std::string id(s.at("tweets").at(ref->id).at("media_ids").as_array()[0].as_string());
    const auto& media = s.at("media").at(id).as_object();
    CHECK(media.at("category") == "tweet_video");
    CHECK(media.at("sha256").as_string() == p.media[0].sha256);
    CHECK(media.at("segments") == json::parse(R"({"0":65536,"1":65536,"2":65536,"3":3392})"));
    const auto c = calls(s);
    CHECK(count(c, "POST /2/media/upload/" + id + "/append") == 4);
    CHECK(count(c, "GET /2/media/upload?command=STATUS&media_id=" + id) == 2);
  }
  SUBCASE("a video X cannot process") {
    f.fault(R"({"path": "/2/media/upload/", "suffix": "/finalize", "processing_failed": true})");
    Post p = f.post();
    p.media = {f.file("marche.mp4", 1000, "video/mp4")};
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "Unsupported video format"));
  }
}

TEST_CASE("x: what X would refuse is refused before any call") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  Post p = f.post();
  SUBCASE("a text over 280 weighted characters, though under 280 code points") {
    p.text.clear();
    for (int i = 0; i < 150; ++i)
      p.text += "市";  // weighs 2
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "weighs 300 characters as X counts them"));
  }
  SUBCASE("five photos") {
    for (int i = 0; i < 5; ++i)
      p.media.push_back(f.file(fmt::format("p{}.jpg", i), 100, "image/jpeg"));
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(contains(refused.error().message, "up to 4 photos"));
  }
  SUBCASE("a photo with a video") {
    p.media = {f.file("p.jpg", 100, "image/jpeg"), f.file("v.mp4", 100, "video/mp4")};
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
  }
  SUBCASE("a type X does not take") {
    p.media = {f.file("plan.pdf", 100, "application/pdf")};
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(contains(refused.error().message, "application/pdf"));
  }
  CHECK(f.state().at("calls").as_array().empty());
  CHECK(f.token_file() == "rt-1\n");
}

TEST_CASE("x: a stale or revoked refresh token is permanent, with what to do") {
  Fake f;
  std::ofstream(f.options.refresh_token_file) << "rt-spent\n";
  XPublisher publisher(f.options, f.client);
  auto refused = publisher.create(f.post());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK(contains(refused.error().message, "Value passed for the token was invalid."));
  CHECK(contains(refused.error().message,
                 "the authorisation was revoked or the refresh token is stale"));
  CHECK(contains(refused.error().message, kStale));
  CHECK_FALSE(contains(refused.error().message, "rt-spent"));  // never the token
  auto checked = publisher.check();
  REQUIRE_FALSE(checked.ok());
  CHECK(contains(checked.error().message, kStale));
  const auto s = f.state();
  CHECK(count(calls(s), "POST /2/tweets") == 0);
  CHECK(s.at("refused_refreshes") == 2);
}

TEST_CASE("x: a renewal whose answer is lost may have spent the refresh token") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  f.fault(R"({"path": "/2/oauth2/token", "drop": true})");
  auto lost = publisher.check();
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  CHECK_FALSE(lost.error().outcome_unknown);  // about the token, not a post
  // X rotated it and the new one never arrived: only a new authorisation helps.
  auto stale = publisher.check();
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().kind == ErrorKind::permanent);
  CHECK(contains(stale.error().message, kStale));
}

TEST_CASE("x: a rotated refresh token that cannot be written is held, and written later") {
  Fake f;
  if (::geteuid() == 0) {
    MESSAGE("skipped: root writes in a read-only directory");
    return;
  }
  XPublisher publisher(f.options, f.client);
  fs::permissions(f.dir, fs::perms::owner_read | fs::perms::owner_exec);
  auto held = publisher.check();
  fs::permissions(f.dir, fs::perms::owner_all);
  REQUIRE_FALSE(held.ok());
  CHECK(held.error().kind == ErrorKind::permanent);
  CHECK(contains(held.error().message, "holds in memory only"));
  CHECK(f.token_file() == "rt-1\n");  // spent on X's side now
  auto written = publisher.check();
  REQUIRE_MESSAGE(written.ok(), written.error().message);
  CHECK(f.token_file() == "rt-2\n");
  CHECK(f.state().at("refreshes") == 1);
}

TEST_CASE("x: a 401 on a call: the token is renewed once and the call made again") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  REQUIRE(publisher.check().ok());
  f.fault(R"({"path": "/2/tweets", "invalid_token": true})");
  auto ref = publisher.create(f.post());
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  const auto s = f.state();
  CHECK(s.at("refreshes") == 2);
  CHECK(count(calls(s), "POST /2/tweets") == 2);
  CHECK(s.at("tweets").as_object().size() == 1);
  CHECK(f.token_file() == "rt-3\n");
}

TEST_CASE("x: the access token is renewed before it expires, once for all threads") {
  Fake f;
  SUBCASE("a token that expires within the minute is renewed before the next call") {
    f.setup(R"({"expires_in": 30})");
    XPublisher publisher(f.options, f.client);
    REQUIRE(publisher.check().ok());
    REQUIRE(publisher.check().ok());
    CHECK(f.state().at("refreshes") == 2);
  }
  SUBCASE("a two-hour token is kept") {
    XPublisher publisher(f.options, f.client);
    REQUIRE(publisher.check().ok());
    REQUIRE(publisher.check().ok());
    CHECK(f.state().at("refreshes") == 1);
  }
  SUBCASE("four threads at once spend the refresh token once") {
    XPublisher publisher(f.options, f.client);
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] { good += publisher.check().ok() ? 1 : 0; });
    for (auto& t : threads)
      t.join();
    CHECK(good == 4);
    const auto s = f.state();
    CHECK(s.at("refreshes") == 1);
    CHECK(s.at("refused_refreshes") == 0);
  }
}

TEST_CASE("x: check says who posts, and what is wrong when it cannot") {
  Fake f;
  SUBCASE("a good authorisation") {
    XPublisher publisher(f.options, f.client);
    auto said = publisher.check();
    REQUIRE_MESSAGE(said.ok(), said.error().message);
    CHECK(*said == "posts as @mairie_exemple (id 2244994945)");
    CHECK(f.token_file() == "rt-2\n");  // the renewal's rotation is kept
  }
  SUBCASE("an authorisation without media.write") {
    f.setup(R"({"scope": "tweet.read tweet.write users.read offline.access"})");
    XPublisher publisher(f.options, f.client);
    auto said = publisher.check();
    REQUIRE_FALSE(said.ok());
    CHECK(said.error().kind == ErrorKind::permanent);
    CHECK(contains(said.error().message, "without the scopes media.write"));
  }
  SUBCASE("a wrong client secret") {
    f.options.client_secret = "not-the-secret";
    XPublisher publisher(f.options, f.client);
    auto said = publisher.check();
    REQUIRE_FALSE(said.ok());
    CHECK(said.error().kind == ErrorKind::permanent);
    CHECK(contains(said.error().message, "Missing valid authorization header"));
    CHECK(contains(said.error().message, "client_secret_file"));
    CHECK_FALSE(contains(said.error().message, "not-the-secret"));
  }
  SUBCASE("a refresh token file that is missing") {
    fs::remove(f.options.refresh_token_file);
    XPublisher publisher(f.options, f.client);
    auto said = publisher.check();
    REQUIRE_FALSE(said.ok());
    CHECK(said.error().kind == ErrorKind::permanent);
    CHECK(contains(said.error().message, "x-refresh-token"));
  }
}

TEST_CASE("x: removal, twice, and a malformed id") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  auto ref = publisher.create(f.post());
  REQUIRE(ref.ok());
  CHECK(publisher.remove(*ref).ok());
  CHECK(f.state().at("tweets").as_object().empty());
  CHECK(publisher.remove(*ref).ok());  // 404: already gone
  f.fault(R"({"path": "/2/tweets/", "method": "DELETE", "deleted_false": true})");
  CHECK(publisher.remove(*ref).ok());  // "deleted": false, and the post is not there
  auto bad = publisher.remove({"../2/users/me", ""});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("x: find recognises a post through X's t.co links, and nothing for one never made") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  Post p = f.post(
      "Inscriptions au centre aéré : https://www.saint-exemple.fr/ete?annee=2026 ou sur "
      "mairie-exemple.fr (avant le 30 juin) & <vite>.");
  p.media = {f.file("affiche.jpg", 2000, "image/jpeg")};
  auto ref = publisher.create(p);
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  const std::string written(f.state().at("tweets").at(ref->id).at("text").as_string());
  CHECK(contains(written, "https://t.co/"));
  CHECK(contains(written, "&amp; &lt;vite&gt;."));
  auto found = publisher.find(p);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->has_value());
  CHECK((*found)->id == ref->id);
  CHECK((*found)->url == ref->url);
  auto none = publisher.find(f.post("Un texte jamais publié."));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  const auto c = calls(f.state());
  CHECK(count(c, "GET /2/users/me") == 1);  // the account's id, read once
  CHECK(count(c, "GET /2/users/2244994945/tweets?max_results=10&tweet.fields=created_at") == 2);
}

TEST_CASE("x: find() passes over the same words posted before the post was due") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  Post p = f.post("Conseil municipal ce soir à 19 h.");
  p.not_before = std::chrono::system_clock::now() - std::chrono::minutes(5);
  relais::test::fake_post(f.options.base_url, "/__seed",
                          R"({"text": "Conseil municipal ce soir à 19 h.", "age": 604800})");
  auto last_week = publisher.find(p);
  REQUIRE_MESSAGE(last_week.ok(), last_week.error().message);
  CHECK_FALSE(last_week->has_value());
  // X will not take the same words again: said, rather than last week's post taken for ours.
  auto refused = publisher.create(p);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
  relais::test::fake_post(f.options.base_url, "/__seed",
                          R"({"text": "Conseil municipal ce soir à 19 h.", "age": 2})");
  auto today = publisher.find(p);
  REQUIRE_MESSAGE(today.ok(), today.error().message);
  CHECK(today->has_value());
}

TEST_CASE(
    "x: an answer lost after the post was made; find then gives it, and X's duplicate "
    "refusal does too") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  Post p = f.post();
  f.fault(R"({"path": "/2/tweets", "method": "POST", "drop": true})");
  auto lost = publisher.create(p);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  CHECK(lost.error().outcome_unknown);
  auto found = publisher.find(p);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->has_value());
  // Created again anyway: X refuses the duplicate, and the connector answers the first one.
  auto again = publisher.create(p);
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(again->id == (*found)->id);
  CHECK(f.state().at("tweets").as_object().size() == 1);
}

TEST_CASE("x: what heals is transient with the wait asked, what does not is permanent") {
  Fake f;
  XPublisher publisher(f.options, f.client);
  SUBCASE("500") {
    f.fault(R"({"path": "/2/tweets", "status": 500})");
    auto failed = publisher.create(f.post());
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().kind == ErrorKind::transient);
    CHECK_FALSE(failed.error().retry_after.has_value());
  }
  SUBCASE("503 with Retry-After") {
    f.fault(R"({"path": "/2/tweets", "status": 503, "retry_after": 7})");
    auto busy = publisher.create(f.post());
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().kind == ErrorKind::transient);
    CHECK(busy.error().retry_after == 7s);
  }
  SUBCASE("429 with x-rate-limit-reset, on a media upload") {
    f.fault(R"({"path": "/2/media/upload/initialize", "status": 429, "rate_limit_reset": 120})");
    Post p = f.post();
    p.media = {f.file("p.jpg", 100, "image/jpeg")};
    auto limited = publisher.create(p);
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error().kind == ErrorKind::transient);
    REQUIRE(limited.error().retry_after.has_value());
    CHECK(*limited.error().retry_after >= 115s);
    CHECK(*limited.error().retry_after <= 121s);
  }
  SUBCASE("the token endpoint unavailable") {
    f.fault(R"({"path": "/2/oauth2/token", "status": 503, "retry_after": 30})");
    auto busy = publisher.create(f.post());
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().kind == ErrorKind::transient);
    CHECK(busy.error().retry_after == 30s);
    CHECK(f.token_file() == "rt-1\n");
  }
  SUBCASE("a time-out") {
    http::ClientOptions short_reads;
    short_reads.read_timeout = 300ms;
    f.client = std::make_shared<http::Client>(short_reads);
    XPublisher impatient(f.options, f.client);
    REQUIRE(impatient.check().ok());
    f.fault(R"({"path": "/2/users/me", "sleep": 1})");
    auto slow = impatient.check();
    REQUIRE_FALSE(slow.ok());
    CHECK(slow.error().kind == ErrorKind::transient);
    CHECK(slow.error().outcome_unknown);
  }
  SUBCASE("403: X's own sentence, and what to check") {
    f.fault(R"({"path": "/2/tweets", "status": 403})");
    auto refused = publisher.create(f.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "You are not permitted to perform this action."));
    CHECK(contains(refused.error().message, "Read and write"));
  }
  SUBCASE("401 even after a renewal") {
    f.fault(R"({"path": "/2/tweets", "invalid_token": true})");
    f.fault(R"({"path": "/2/tweets", "invalid_token": true})");
    auto refused = publisher.create(f.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "even just after renewing it"));
    CHECK(contains(refused.error().message, "put the new refresh token in refresh_token_file"));
  }
  CHECK(f.state().at("tweets").as_object().empty());
}

TEST_CASE("x: same_tweet_text reads X's rewriting") {
  const std::string ours = "Voir https://www.mairie.fr/agenda, ou mairie.fr.\n\n© Jeanne";
  CHECK(same_tweet_text(ours, "Voir https://t.co/AbC123, ou https://t.co/xYz.\n\n© Jeanne", false));
  CHECK(same_tweet_text(
      ours, "Voir https://t.co/AbC123, ou https://t.co/xYz. © Jeanne https://t.co/m3d1a", true));
  CHECK_FALSE(same_tweet_text(
      ours, "Voir https://t.co/AbC123, ou https://t.co/xYz. © Jeanne https://t.co/m3d1a", false));
  CHECK_FALSE(
      same_tweet_text(ours, "Voir https://t.co/AbC123, et https://t.co/xYz.\n\n© Jeanne", false));
  CHECK(same_tweet_text("Fish & chips <3", "Fish &amp; chips &lt;3", false));
  CHECK(same_tweet_text("A https://a.fr/x", "A https://a.fr/x", false));  // not shortened
  CHECK_FALSE(same_tweet_text("A b", "A https://t.co/xyz", false));       // a link has a dot
}
