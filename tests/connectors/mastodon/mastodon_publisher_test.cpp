// The Mastodon connector against a fake instance that checks each call against the API
// documentation (fake_mastodon.py): media uploaded and waited for, one status per
// idempotency key even when the answer is lost, removal, and the errors a referent must read.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../local_server.hpp"
#include "connectors/mastodon/mastodon_publisher.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace relais::connectors;
using namespace relais::connectors::mastodon;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

const std::string kFake =
    std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/mastodon/fake_mastodon.py";

struct Instance {
  relais::test::LocalServer server{kFake};
  std::shared_ptr<http::Client> client = std::make_shared<http::Client>(http::ClientOptions{});
  fs::path dir;
  MastodonOptions options;

  Instance() {
    char name[] = "/tmp/relais-mastodon-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    options.base_url = server.url("http", "127.0.0.1", "");
    options.access_token = "good-token";
    options.poll_interval = 10ms;
  }
  ~Instance() { fs::remove_all(dir); }

  MediaFile file(const std::string& name, std::size_t size, const std::string& type,
                 const std::string& alt) {
    std::ofstream(dir / name, std::ios::binary) << std::string(size, 'x');
    return {dir / name, type, "", alt};
  }

  Post post(std::string key = "7:mastodon") {
    Post p;
    p.idempotency_key = std::move(key);
    p.reference = "PUB-2026-0007";
    p.text = "Le forum des associations a réuni quarante stands.";
    p.author = "Jeanne Martin";
    p.media = {file("photo.jpg", 5000, "image/jpeg", "Des stands sous la halle"),
               file("forum.mp4", 200000, "video/mp4", "")};
    return p;
  }

  json::object state() { return relais::test::fake_state(options.base_url); }

  void fault(const std::string& body) {
    relais::test::fake_post(options.base_url, "/__fault", body);
  }
};

}  // namespace

TEST_CASE("mastodon: photos and a video uploaded, waited for, attached to one status") {
  Instance m;
  MastodonPublisher publisher(m.options, m.client);
  auto ref = publisher.create(m.post());
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(ref->url == "https://social.example/@mairie/" + ref->id);
  const auto s = m.state();
  const auto& statuses = s.at("statuses").as_object();
  REQUIRE(statuses.size() == 1);
  const auto& status = statuses.at(ref->id).as_object();
  CHECK(status.at("text").as_string() ==
        "Le forum des associations a réuni quarante stands.\n\n© Jeanne Martin");
  CHECK(status.at("visibility") == "public");
  CHECK(status.at("language") == "fr");
  REQUIRE(status.at("media_ids").as_array().size() == 2);
  const auto& media = s.at("media").as_object();
  const auto photo_id = status.at("media_ids").as_array()[0].as_string();
  CHECK(media.at(photo_id).at("description") == "Des stands sous la halle");
  CHECK(media.at(photo_id).at("type") == "image/jpeg");
  const auto video_id = std::string(status.at("media_ids").as_array()[1].as_string());
  const auto& calls = s.at("calls").as_array();
  CHECK(std::find(calls.begin(), calls.end(), json::value("GET /api/v1/media/" + video_id)) !=
        calls.end());
}

TEST_CASE("mastodon: an answer lost after the status was made; the retry gets the same one") {
  Instance m;
  MastodonPublisher publisher(m.options, m.client);
  m.fault(R"({"path": "/api/v1/statuses", "drop": true})");
  auto lost = publisher.create(m.post());
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  auto again = publisher.create(m.post());
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(m.state().at("statuses").as_object().size() == 1);
  auto other = publisher.create(m.post("8:mastodon"));
  REQUIRE(other.ok());
  CHECK(other->id != again->id);
}

TEST_CASE("mastodon: what heals is transient with the wait asked, what does not is permanent") {
  Instance m;
  SUBCASE("503 with Retry-After") {
    MastodonPublisher publisher(m.options, m.client);
    m.fault(R"({"path": "/api/v1/statuses", "status": 503, "retry_after": "7"})");
    auto busy = publisher.create(m.post());
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().kind == ErrorKind::transient);
    CHECK(busy.error().retry_after == 7s);
  }
  SUBCASE("429 on a media upload") {
    MastodonPublisher publisher(m.options, m.client);
    m.fault(R"({"path": "/api/v2/media", "status": 429, "retry_after": "30"})");
    auto limited = publisher.create(m.post());
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error().retry_after == 30s);
  }
  SUBCASE("a revoked token") {
    m.options.access_token = "revoked";
    MastodonPublisher publisher(m.options, m.client);
    auto refused = publisher.create(m.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(refused.error().message.find("The access token is invalid") != std::string::npos);
    CHECK(refused.error().message.find("write:statuses") != std::string::npos);
    CHECK(refused.error().message.find("revoked") == std::string::npos);  // never the token
  }
  SUBCASE("a text over the instance's limit") {
    MastodonPublisher publisher(m.options, m.client);
    Post p = m.post();
    p.media.clear();
    p.text = std::string(600, 'a');
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(refused.error().message ==
          "The text is 600 characters long; this Mastodon server takes 500.");
  }
  CHECK(m.state().at("statuses").as_object().empty());
}

TEST_CASE("mastodon: a lost answer is an unknown outcome; find() then sees the status") {
  Instance m;
  bool slow = false;
  SUBCASE("dropped connection") {
    m.fault(R"({"path": "/api/v1/statuses", "drop": true})");
  }
  SUBCASE("time-out") {
    http::ClientOptions quick;
    quick.read_timeout = 300ms;
    m.client = std::make_shared<http::Client>(quick);
    m.fault(R"({"path": "/api/v1/statuses", "sleep": 1})");
    slow = true;
  }
  MastodonPublisher publisher(m.options, m.client);
  Post p = m.post();
  p.text = "Deux lignes\net un <lien> & des \"guillemets\".";
  auto none = publisher.find(p);
  REQUIRE_MESSAGE(none.ok(), none.error().message);
  CHECK_FALSE(none->has_value());
  auto lost = publisher.create(p);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  CHECK(lost.error().outcome_unknown);
  if (slow)
    std::this_thread::sleep_for(1500ms);  // the server finishes what it was asked
  auto found = publisher.find(p);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->has_value());
  const auto statuses = m.state().at("statuses").as_object();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses.begin()->key() == (*found)->id);
  CHECK((*found)->url == "https://social.example/@mairie/" + (*found)->id);
}

TEST_CASE("mastodon: find() passes over the same words posted before the post was due") {
  Instance m;
  MastodonPublisher publisher(m.options, m.client);
  Post p = m.post();
  p.media.clear();
  p.text = "Conseil municipal ce soir à 19 h.";
  p.not_before = std::chrono::system_clock::now() - std::chrono::minutes(5);
  relais::test::fake_post(m.options.base_url, "/__seed",
                          R"({"text": "Conseil municipal ce soir à 19 h.", "age": 604800})");
  auto last_week = publisher.find(p);
  REQUIRE_MESSAGE(last_week.ok(), last_week.error().message);
  CHECK_FALSE(last_week->has_value());
  relais::test::fake_post(m.options.base_url, "/__seed",
                          R"({"text": "Conseil municipal ce soir à 19 h.", "age": 2})");
  auto today = publisher.find(p);
  REQUIRE_MESSAGE(today.ok(), today.error().message);
  CHECK(today->has_value());
}

TEST_CASE("mastodon: a token without read:accounts cannot look, and says nothing is there") {
  Instance m;
  m.options.access_token = "write-only-token";
  MastodonPublisher publisher(m.options, m.client);
  auto made = publisher.create(m.post());
  REQUIRE_MESSAGE(made.ok(), made.error().message);
  auto found = publisher.find(m.post());
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  CHECK_FALSE(found->has_value());  // the Idempotency-Key covers the retry instead
  auto again = publisher.create(m.post());
  REQUIRE(again.ok());
  CHECK(again->id == made->id);
}

TEST_CASE("mastodon: a 503 is not an unknown outcome") {
  Instance m;
  MastodonPublisher publisher(m.options, m.client);
  m.fault(R"({"path": "/api/v1/statuses", "status": 503})");
  auto busy = publisher.create(m.post());
  REQUIRE_FALSE(busy.ok());
  CHECK_FALSE(busy.error().outcome_unknown);
}

TEST_CASE("mastodon: check() names the account and the server's limits, or the token's fault") {
  Instance m;
  MastodonPublisher good(m.options, m.client);
  auto said = good.check();
  REQUIRE_MESSAGE(said.ok(), said.error().message);
  CHECK(said->find("posts as @mairie on 127.0.0.1") == 0);
  CHECK(said->find("500 characters, 4 attachments") != std::string::npos);
  m.options.access_token = "revoked";
  MastodonPublisher bad(m.options, m.client);
  auto refused = bad.check();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK(m.state().at("statuses").as_object().empty());
}

TEST_CASE("mastodon: status HTML read back as text") {
  CHECK(text_of_html("<p>Un &amp; deux<br />trois</p><p>&lt;b&gt; <a href=\"x\">lien</a></p>") ==
        "Un & deux\ntrois\n\n<b> lien\n\n");
}

TEST_CASE("mastodon: removal, twice, and a malformed id") {
  Instance m;
  MastodonPublisher publisher(m.options, m.client);
  auto ref = publisher.create(m.post());
  REQUIRE(ref.ok());
  CHECK(publisher.remove(*ref).ok());
  CHECK(m.state().at("statuses").as_object().empty());
  CHECK(publisher.remove(*ref).ok());  // already gone: done
  auto bad = publisher.remove({"../admin", ""});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::invalid_input);
}
