// The Facebook connector against a fake Graph API that checks each call against Meta's
// documentation (fake_facebook.py): photo, multi-photo, video and text posts, removal, find
// after a lost answer, check(), and the errors a referent must read.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>

#include "../local_server.hpp"
#include "connectors/facebook/facebook_publisher.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace relais::connectors;
using namespace relais::connectors::facebook;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

const std::string kFake =
    std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/facebook/fake_facebook.py";
const std::string kPage = "104729385617";
const std::string kText = "Le forum des associations a réuni quarante stands.";

struct Graph {
  relais::test::LocalServer server{kFake};
  std::shared_ptr<http::Client> client;
  fs::path dir;
  FacebookOptions options;

  Graph() {
    http::ClientOptions o;
    o.read_timeout = 5s;
    client = std::make_shared<http::Client>(o);
    char name[] = "/tmp/relais-facebook-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    options.base_url = server.url("http", "127.0.0.1", "");
    options.video_base_url = server.url("http", "127.0.0.1", "/graph-video/");
    options.page_id = kPage;
    options.access_token = "good-page-token";
  }
  ~Graph() { fs::remove_all(dir); }

  FacebookPublisher publisher() { return FacebookPublisher(options, client); }

  MediaFile file(const std::string& name, std::size_t size, const std::string& type,
                 const std::string& alt = "") {
    std::ofstream(dir / name, std::ios::binary) << std::string(size, 'x');
    return {dir / name, type, "", alt};
  }

  Post post(std::vector<MediaFile> media = {}, std::string text = kText) {
    Post p;
    p.idempotency_key = "7:facebook";
    p.reference = "PUB-2026-0007";
    p.title = "Forum des associations";
    p.text = std::move(text);
    p.author = "Jeanne Martin";
    p.media = std::move(media);
    return p;
  }

  json::object state() { return relais::test::fake_state(options.base_url); }

  void control(const std::string& path, const std::string& body) {
    relais::test::fake_post(options.base_url, path, body);
  }
  void fault(const std::string& body) { control("/__fault", body); }

  // The calls the fake received, as "METHOD host /path".
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    const auto s = state();
    for (const auto& c : s.at("calls").as_array()) {
      const auto& o = c.as_object();
      out.push_back(std::string(o.at("method").as_string()) + " " +
                    std::string(o.at("host").as_string()) + " " +
                    std::string(o.at("path").as_string()));
    }
    return out;
  }
  json::object call(std::size_t i) { return state().at("calls").as_array().at(i).as_object(); }
};

const std::string kCredited = kText + "\n\n© Jeanne Martin";

}  // namespace

TEST_CASE("facebook: one photo is published with its text, credit and alt text") {
  Graph g;
  auto publisher = g.publisher();
  auto ref = publisher.create(g.post({g.file("halle.jpg", 3000, "image/jpeg", "Stands")}));
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(ref->id.starts_with(kPage + "_"));
  CHECK(ref->url == "https://www.facebook.com/" + kPage + "/posts/" + ref->id.substr(13));
  CHECK(g.calls() ==
        std::vector<std::string>{"POST graph /" + kPage + "/photos", "GET graph /" + ref->id});
  const auto upload = g.call(0);
  CHECK(upload.at("version") == "v25.0");
  CHECK(upload.at("form") ==
        json::object{{"message", kCredited}, {"published", "true"}, {"alt_text_custom", "Stands"}});
  const auto& file = upload.at("files").as_array().at(0).as_object();
  CHECK(file.at("name") == "source");
  CHECK(file.at("filename") == "halle.jpg");
  CHECK(file.at("content_type") == "image/jpeg");
  CHECK(file.at("size") == 3000);
  CHECK(g.call(1).at("query") == json::object{{"fields", "permalink_url"}});
  const auto s = g.state();
  CHECK(s.at("posts").at(ref->id).at("message") == json::value(kCredited));
  CHECK(s.at("photos").as_object().size() == 1);
}

TEST_CASE("facebook: several photos are uploaded unpublished, then attached to one post") {
  Graph g;
  auto publisher = g.publisher();
  auto ref = publisher.create(
      g.post({g.file("a.jpg", 2000, "image/jpeg", "Halle"), g.file("b.png", 1000, "image/png")}));
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  const auto calls = g.calls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[0] == "POST graph /" + kPage + "/photos");
  CHECK(calls[1] == "POST graph /" + kPage + "/photos");
  CHECK(calls[2] == "POST graph /" + kPage + "/feed");
  CHECK(g.call(0).at("form") == json::object{{"published", "false"}, {"alt_text_custom", "Halle"}});
  CHECK(g.call(1).at("form") == json::object{{"published", "false"}});
  const auto s = g.state();
  const auto& post = s.at("posts").at(ref->id).as_object();
  CHECK(post.at("message") == json::value(kCredited));
  const auto& photos = post.at("photos").as_array();
  REQUIRE(photos.size() == 2);
  const auto feed = g.call(2);
  CHECK(feed.at("content_type") == "application/x-www-form-urlencoded");
  CHECK(feed.at("form").at("attached_media[0]") ==
        json::value(R"({"media_fbid":")" + std::string(photos[0].as_string()) + R"("})"));
  CHECK(s.at("photos").at(photos[1].as_string()).at("content_type") == "image/png");
}

TEST_CASE("facebook: a video goes to the video host; the post is the video") {
  Graph g;
  auto publisher = g.publisher();
  auto ref = publisher.create(g.post({g.file("forum.mp4", 50000, "video/mp4")}));
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(g.calls() ==
        std::vector<std::string>{"POST video /" + kPage + "/videos", "GET graph /" + ref->id});
  CHECK(g.call(0).at("form") ==
        json::object{{"description", kCredited}, {"title", "Forum des associations"}});
  CHECK(g.call(0).at("files").at(0).at("content_type") == "video/mp4");
  // Video permalinks come as a path; the connector makes them whole.
  CHECK(ref->url == "https://www.facebook.com/" + kPage + "/videos/" + ref->id + "/");
  CHECK(g.state().at("videos").at(ref->id).at("size") == 50000);
}

TEST_CASE("facebook: a text alone is a feed post; photos with a video are refused unsent") {
  Graph g;
  auto publisher = g.publisher();
  Post text_only = g.post();
  auto ref = publisher.create(text_only);
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(g.call(0).at("form") == json::object{{"message", kText}});  // no credit without media
  CHECK(g.state().at("posts").at(ref->id).at("message") == json::value(kText));

  const auto before = g.calls().size();
  auto mixed = publisher.create(
      g.post({g.file("a.jpg", 100, "image/jpeg"), g.file("v.mp4", 100, "video/mp4")}));
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.error().kind == ErrorKind::invalid_input);
  CHECK(mixed.error().message.find("photos or one video") != std::string::npos);
  auto pdf = publisher.create(g.post({g.file("a.pdf", 100, "application/pdf")}));
  REQUIRE_FALSE(pdf.ok());
  CHECK(pdf.error().kind == ErrorKind::invalid_input);
  CHECK(g.calls().size() == before);
}

TEST_CASE("facebook: removal, again when already gone, and a malformed id") {
  Graph g;
  auto publisher = g.publisher();
  auto photo = publisher.create(g.post({g.file("a.jpg", 100, "image/jpeg")}));
  auto video = publisher.create(g.post({g.file("v.mp4", 100, "video/mp4")}));
  REQUIRE(photo.ok());
  REQUIRE(video.ok());
  CHECK(publisher.remove(*photo).ok());
  CHECK(publisher.remove(*video).ok());
  const auto s = g.state();
  CHECK(s.at("posts").as_object().empty());
  CHECK(s.at("photos").as_object().empty());
  CHECK(s.at("videos").as_object().empty());
  CHECK(publisher.remove(*photo).ok());  // code 100, subcode 33: already gone
  const auto calls = g.calls();
  CHECK(calls.back() == "DELETE graph /" + photo->id);
  auto bad = publisher.remove({"../me", ""});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::invalid_input);
  FacebookOptions unversioned = g.options;
  unversioned.graph_version = "21.0";
  auto misconfigured = FacebookPublisher(unversioned, g.client).check();
  REQUIRE_FALSE(misconfigured.ok());
  CHECK(misconfigured.error().kind == ErrorKind::invalid_input);
  CHECK(g.calls().size() == calls.size());
}

TEST_CASE("facebook: find() passes over the same words posted before the post was due") {
  Graph g;
  auto publisher = g.publisher();
  Post p = g.post({g.file("a.jpg", 100, "image/jpeg")}, "Conseil municipal ce soir à 19 h.");
  p.author.clear();
  p.not_before = std::chrono::system_clock::now() - std::chrono::minutes(5);
  g.control("/__seed",
            R"({"posts": [{"message": "Conseil municipal ce soir à 19 h.", "age": 604800}]})");
  auto last_week = publisher.find(p);
  REQUIRE_MESSAGE(last_week.ok(), last_week.error().message);
  CHECK_FALSE(last_week->has_value());
  g.control("/__seed",
            R"({"posts": [{"message": "Conseil municipal ce soir à 19 h.", "age": 2}]})");
  auto today = publisher.find(p);
  REQUIRE_MESSAGE(today.ok(), today.error().message);
  CHECK(today->has_value());
}

TEST_CASE("facebook: find returns a post made earlier, and nothing for one never made") {
  Graph g;
  auto publisher = g.publisher();
  g.control("/__seed", R"({"posts": [{"message": "Marché de Noël"}, {}]})");
  Post photo = g.post({g.file("a.jpg", 100, "image/jpeg")});
  auto made = publisher.create(photo);
  REQUIRE(made.ok());
  g.control("/__seed", R"({"posts": [{"message": "Conseil municipal jeudi"}]})");
  auto found = publisher.find(photo);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->has_value());
  CHECK((*found)->id == made->id);
  CHECK((*found)->url == made->url);
  const auto calls = g.state().at("calls").as_array();
  CHECK(calls.back().at("query") ==
        json::object{{"fields", "id,message,created_time,permalink_url"}, {"limit", "25"}});

  auto never = publisher.find(g.post({g.file("b.jpg", 100, "image/jpeg")}, "Autre chose"));
  REQUIRE(never.ok());
  CHECK_FALSE(never->has_value());
  auto uncredited = publisher.find(g.post({}, kText));  // same text, but no credit line
  REQUIRE(uncredited.ok());
  CHECK_FALSE(uncredited->has_value());

  Post video = g.post({g.file("v.mp4", 100, "video/mp4")}, "Le film du forum");
  auto clip = publisher.create(video);
  REQUIRE(clip.ok());
  auto found_clip = publisher.find(video);
  REQUIRE(found_clip.ok());
  REQUIRE(found_clip->has_value());
  CHECK((*found_clip)->id == clip->id);  // the video's id, as create() gave it
  CHECK(g.calls().back() == "GET graph /" + kPage + "/videos");
}

TEST_CASE("facebook: an answer lost after the post was made; find gives it, no second post") {
  Graph g;
  auto publisher = g.publisher();
  auto posts = [&] { return g.state().at("posts").as_object().size(); };

  // The connection dropped once the feed post was made.
  Post photos = g.post({g.file("a.jpg", 100, "image/jpeg"), g.file("b.jpg", 100, "image/jpeg")},
                       "Deux photos du forum");
  g.fault(R"({"path": "/feed", "method": "POST", "drop": true})");
  auto lost = publisher.create(photos);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  CHECK(lost.error().outcome_unknown);
  CHECK(g.state().at("photos").as_object().size() == 2);  // kept: they are in the post
  auto found = publisher.find(photos);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK(posts() == 1);
  CHECK(g.state().at("posts").as_object().contains((*found)->id));

  // The answer to a photo post came after the client stopped waiting.
  http::ClientOptions impatient;
  impatient.read_timeout = 300ms;
  FacebookPublisher hurried(g.options, std::make_shared<http::Client>(impatient));
  Post photo = g.post({g.file("c.jpg", 100, "image/jpeg")}, "Une photo du forum");
  g.fault(R"({"path": "/photos", "sleep": 0.8})");
  lost = hurried.create(photo);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  CHECK(lost.error().outcome_unknown);
  found = publisher.find(photo);
  REQUIRE(found.ok());
  CHECK(found->has_value());
  CHECK(posts() == 2);

  // A 200 answer that is not the documented shape.
  g.fault(R"({"path": "/feed", "raw": "<html>ok</html>"})");
  auto odd = publisher.create(g.post());
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().kind == ErrorKind::transient);
  CHECK(odd.error().outcome_unknown);
  CHECK(odd.error().message.find("not JSON") != std::string::npos);
}

TEST_CASE("facebook: what heals is transient with the wait asked, what does not is permanent") {
  struct Case {
    std::string fault;
    ErrorKind kind;
    std::optional<std::chrono::seconds> retry_after;
    std::string said;  // part of the message
  };
  const std::vector<Case> cases{
      {R"("status": 500)", ErrorKind::transient, std::nullopt, "An unknown error"},
      {R"("status": 503, "retry_after": "7")", ErrorKind::transient, 7s, "failing for a moment"},
      // Retry-After 30 s, but the app's usage at 100%: Meta's rolling hour, 5 minutes asked.
      {R"("status": 429, "retry_after": "30", "usage": "X-App-Usage")", ErrorKind::transient, 300s,
       "Application request limit"},
      {R"("error": "page_rate_limit", "usage": "X-Business-Use-Case-Usage")", ErrorKind::transient,
       15min, "too many calls to this Page"},
      {R"("error": "page_request_limit")", ErrorKind::transient, std::nullopt, "slow down"},
      {R"("error": "policy_block")", ErrorKind::permanent, std::nullopt, "misusing this feature"},
      {R"("error": "invalid_parameter")", ErrorKind::permanent, std::nullopt, "code 100"},
      {R"("error": "expired_token")", ErrorKind::permanent, std::nullopt, "Session has expired"},
      {R"("error": "missing_permission")", ErrorKind::permanent, std::nullopt,
       "pages_manage_posts"},
      {R"("error": "invalid_token", "message": "Malformed access token good-page-token")",
       ErrorKind::permanent, std::nullopt, "Malformed access token [access token]"},
  };
  Graph g;
  auto publisher = g.publisher();
  for (const auto& c : cases) {
    CAPTURE(c.fault);
    g.fault(R"({"path": "/feed", )" + c.fault + "}");
    auto r = publisher.create(g.post());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == c.kind);
    CHECK(r.error().retry_after == c.retry_after);
    CHECK_FALSE(r.error().outcome_unknown);
    CHECK(r.error().message.find(c.said) != std::string::npos);
    CHECK(r.error().message.find("good-page-token") == std::string::npos);
  }
  CHECK(g.state().at("posts").as_object().empty());

  // A multi-photo post refused at the feed leaves no unpublished photo behind.
  g.fault(R"({"path": "/feed", "error": "duplicate"})");
  auto refused = publisher.create(
      g.post({g.file("a.jpg", 100, "image/jpeg"), g.file("b.jpg", 100, "image/jpeg")}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK(refused.error().message.find("Duplicate status message") != std::string::npos);
  const auto s = g.state();
  CHECK(s.at("photos").as_object().empty());
  CHECK(s.at("posts").as_object().empty());
}

TEST_CASE("facebook: a refused token, in words a referent can act on; check() names the Page") {
  Graph g;
  auto with_token = [&](const std::string& token) {
    FacebookOptions o = g.options;
    o.access_token = token;
    return FacebookPublisher(o, g.client);
  };
  auto good = g.publisher();
  auto said = good.check();
  REQUIRE_MESSAGE(said.ok(), said.error().message);
  CHECK(*said == "posts as Page 'Mairie de Villeneuve' (id 104729385617)");
  CHECK(g.calls() == std::vector<std::string>{"GET graph /" + kPage, "GET graph /me"});
  CHECK(g.call(0).at("query") == json::object{{"fields", "id,name"}});

  auto revoked = with_token("revoked-token");
  auto refused = revoked.create(g.post({g.file("a.jpg", 100, "image/jpeg")}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK(refused.error().message.find("Facebook refused the Page access token") !=
        std::string::npos);
  CHECK(refused.error().message.find("Invalid OAuth access token") != std::string::npos);
  CHECK(refused.error().message.find("put it in access_token_file") != std::string::npos);
  CHECK(refused.error().message.find("revoked-token") == std::string::npos);
  auto bad_check = revoked.check();
  REQUIRE_FALSE(bad_check.ok());
  CHECK(bad_check.error().kind == ErrorKind::permanent);
  CHECK(bad_check.error().message.find("access_token_file") != std::string::npos);

  // A person's token reads the Page but cannot post as it.
  auto person = with_token("user-token");
  refused = person.create(g.post());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK(refused.error().message.find("lack of a permission") != std::string::npos);
  CHECK(refused.error().message.find("pages_manage_posts") != std::string::npos);
  auto person_check = person.check();
  REQUIRE_FALSE(person_check.ok());
  CHECK(person_check.error().kind == ErrorKind::permanent);
  CHECK(person_check.error().message.find("not the Page access token of 'Mairie de Villeneuve'") !=
        std::string::npos);
  CHECK(person_check.error().message.find("Jeanne Martin") != std::string::npos);
  CHECK(g.state().at("posts").as_object().empty());
}
