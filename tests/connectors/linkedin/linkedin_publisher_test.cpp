// The LinkedIn connector against a fake API that checks each call against the documentation
// (fake_linkedin.py): photos and a video uploaded and waited for, the post's exact shape, its
// commentary escaped, one post even when the answer is lost, removal, find, check, and the
// errors a referent must read.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../local_server.hpp"
#include "connectors/linkedin/linkedin_publisher.hpp"
#include "connectors/linkedin/little_text.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace relais::connectors;
using namespace relais::connectors::linkedin;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

// Video parts of 100000 bytes instead of LinkedIn's 4 MiB, so that a small file comes in three.
const std::string kFake =
    std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/linkedin/fake_linkedin.py 100000";
const std::string kOrg = "urn:li:organization:2414183";
const std::string kText =
    "Le forum des associations (salle des fêtes) a réuni #40 stands : rendez-vous l'an prochain !";

// One fake for the whole run (a Python start costs most of a second), emptied for each test.
relais::test::LocalServer& fake() {
  static relais::test::LocalServer server{kFake};
  return server;
}

struct Page {
  std::shared_ptr<http::Client> client = std::make_shared<http::Client>(http::ClientOptions{});
  fs::path dir;
  LinkedInOptions options;

  Page() {
    char name[] = "/tmp/relais-linkedin-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    options.base_url = fake().url("http", "127.0.0.1", "");
    options.organization = kOrg;
    options.access_token = "good-token";
    options.poll_interval = 10ms;
    control("/__reset", "{}");
  }
  ~Page() { fs::remove_all(dir); }

  MediaFile file(const std::string& name, std::size_t size, const std::string& type,
                 const std::string& alt) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      bytes[i] = static_cast<char>(i % 251);
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return {dir / name, type, "", alt};
  }

  Post post(std::vector<MediaFile> media = {}) {
    Post p;
    p.idempotency_key = "7:linkedin";
    p.reference = "PUB-2026-0007";
    p.text = kText;
    p.author = "Jeanne Martin";
    p.media = std::move(media);
    return p;
  }

  json::object state() { return relais::test::fake_state(options.base_url); }

  json::value control(const std::string& path, const std::string& body) {
    return relais::test::fake_post(options.base_url, path, body);
  }

  void fault(const std::string& body) { control("/__fault", body); }

  std::string seed(const std::string& commentary, int age_seconds = 0) {
    const auto made = control(
        "/__seed", json::serialize(json::object{{"commentary", commentary}, {"age", age_seconds}}));
    return std::string(made.at("id").as_string());
  }
};

std::vector<std::string> calls(const json::object& state) {
  std::vector<std::string> out;
  for (const auto& c : state.at("calls").as_array())
    out.emplace_back(c.as_string());
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("linkedin: one photo, uploaded with the token, posted as content.media") {
  Page page;
  page.options.organization = "2414183";  // the page's number alone is accepted too
  LinkedInPublisher publisher(page.options, page.client);
  auto ref = publisher.create(
      page.post({page.file("photo.jpg", 5000, "image/jpeg", "Des stands sous la halle")}));
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(ref->id.starts_with("urn:li:share:"));
  CHECK(ref->url == "https://www.linkedin.com/feed/update/" + ref->id + "/");

  const auto s = page.state();
  const auto& post = s.at("posts").at(ref->id).as_object();
  CHECK(post.at("author").as_string() == kOrg);
  CHECK(post.at("commentary") ==
        "Le forum des associations \\(salle des fêtes\\) a réuni \\#40 stands : rendez-vous "
        "l'an prochain !\n\n© Jeanne Martin");
  CHECK(post.at("visibility") == "PUBLIC");
  CHECK(post.at("distribution") == json::parse(R"({"feedDistribution": "MAIN_FEED",
        "targetEntities": [], "thirdPartyDistributionChannels": []})"));
  CHECK(post.at("lifecycleState") == "PUBLISHED");
  CHECK(post.at("isReshareDisabledByAuthor") == false);
  const auto& media = post.at("content").at("media").as_object();
  CHECK(media.at("altText") == "Des stands sous la halle");
  const std::string image(media.at("id").as_string());
  const auto& stored = s.at("images").at(image).as_object();
  CHECK(stored.at("owner").as_string() == kOrg);
  CHECK(stored.at("size") == 5000);
  CHECK(stored.at("status") == "AVAILABLE");
  const auto& upload = s.at("uploads").as_array().at(0).as_object();
  CHECK(upload.at("authorization") == true);  // as the Images API documents

  const auto c = calls(s);
  REQUIRE(c.size() == 4);
  CHECK(c[0] == "POST /rest/images?action=initializeUpload");
  CHECK(c[1].starts_with("PUT /dms-uploads/image/"));
  CHECK(c[2] == "GET /rest/images/urn%3Ali%3Aimage%3A" + image.substr(13));
  CHECK(c[3] == "POST /rest/posts");
}

TEST_CASE("linkedin: several photos posted as content.multiImage, in order") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  auto ref = publisher.create(page.post({page.file("a.jpg", 3000, "image/jpeg", "La halle"),
                                         page.file("b.png", 4000, "image/png", ""),
                                         page.file("c.gif", 5000, "image/gif", "Le podium")}));
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  const auto s = page.state();
  const auto& images =
      s.at("posts").at(ref->id).at("content").at("multiImage").at("images").as_array();
  REQUIRE(images.size() == 3);
  CHECK(images[0].at("altText") == "La halle");
  CHECK_FALSE(images[1].as_object().contains("altText"));  // none given: none sent
  CHECK(images[2].at("altText") == "Le podium");
  const auto& stored = s.at("images").as_object();
  CHECK(stored.at(images[0].at("id").as_string()).at("size") == 3000);
  CHECK(stored.at(images[1].at("id").as_string()).at("size") == 4000);
  CHECK(stored.at(images[2].at("id").as_string()).at("size") == 5000);
}

TEST_CASE("linkedin: a video sent in the byte ranges asked for, finalized, waited for") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  auto ref = publisher.create(page.post({page.file("forum.mp4", 250000, "video/mp4", "")}));
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(ref->id.starts_with("urn:li:ugcPost:"));
  const auto s = page.state();
  const std::string video(s.at("posts").at(ref->id).at("content").at("media").at("id").as_string());
  const auto& stored = s.at("videos").at(video).as_object();
  CHECK(stored.at("size") == 250000);
  CHECK(stored.at("status") == "AVAILABLE");
  const auto& parts = stored.at("parts").as_array();
  REQUIRE(parts.size() == 3);  // 100000 + 100000 + 50000, each checked for its length
  for (const auto& part : parts)
    CHECK(part.at("etag").is_string());
  for (const auto& upload : s.at("uploads").as_array()) {
    CHECK(upload.at("authorization") == false);  // the part URLs are signed
    CHECK(upload.at("content_type") == "application/octet-stream");
  }
  const auto c = calls(s);
  CHECK(c[0] == "POST /rest/videos?action=initializeUpload");
  CHECK(has(c, "POST /rest/videos?action=finalizeUpload"));
  const std::string poll = "GET /rest/videos/urn%3Ali%3Avideo%3A" + video.substr(13);
  CHECK(std::count(c.begin(), c.end(), poll) == 2);  // PROCESSING, then AVAILABLE
  CHECK(c.back() == "POST /rest/posts");
}

TEST_CASE("linkedin: media LinkedIn cannot carry is refused before anything is sent") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  SUBCASE("a video with photos") {
    auto refused = publisher.create(page.post(
        {page.file("a.jpg", 100, "image/jpeg", ""), page.file("b.mp4", 100, "video/mp4", "")}));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "either one video alone or photos"));
  }
  SUBCASE("21 photos") {
    std::vector<MediaFile> photos;
    for (int i = 0; i < 21; ++i)
      photos.push_back(page.file(std::to_string(i) + ".jpg", 100, "image/jpeg", ""));
    auto refused = publisher.create(page.post(photos));
    REQUIRE_FALSE(refused.ok());
    CHECK(contains(refused.error().message, "at most 20 photos"));
  }
  SUBCASE("a PDF") {
    auto refused = publisher.create(page.post({page.file("a.pdf", 100, "application/pdf", "")}));
    REQUIRE_FALSE(refused.ok());
    CHECK(contains(refused.error().message, "not application/pdf"));
  }
  CHECK(calls(page.state()).empty());
}

TEST_CASE("linkedin: removal, twice, and a malformed id") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  auto ref = publisher.create(page.post());
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  REQUIRE(publisher.remove(*ref).ok());
  const auto s = page.state();
  CHECK(s.at("posts").as_object().empty());
  CHECK(has(calls(s), "DELETE /rest/posts/urn%3Ali%3Ashare%3A" + ref->id.substr(13)));
  CHECK(publisher.remove(*ref).ok());  // 404: already gone
  auto bad = publisher.remove({"urn:li:share:1/../../admin", ""});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("linkedin: find reads the page's latest posts back, escaped or not") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  const Post made = page.post();
  auto ref = publisher.create(made);
  REQUIRE(ref.ok());
  auto found = publisher.find(made);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->has_value());
  CHECK((*found)->id == ref->id);
  CHECK((*found)->url == ref->url);

  Post never = page.post();
  never.text = "Une annonce jamais publiée (sur aucun réseau).";
  auto none = publisher.find(never);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  // A post made by other means, its commentary not escaped and spaced differently.
  const std::string seeded = page.seed("Conseil municipal  (séance publique)\r\nà 20 h ");
  Post council = page.post();
  council.text = "Conseil municipal (séance publique)\nà 20 h";
  auto other = publisher.find(council);
  REQUIRE(other.ok());
  REQUIRE(other->has_value());
  CHECK((*other)->id == seeded);
  CHECK(has(calls(page.state()),
            "GET /rest/posts?author=urn%3Ali%3Aorganization%3A2414183&q=author&count=20&"
            "sortBy=LAST_MODIFIED"));
}

TEST_CASE("linkedin: find() passes over the same words posted before the post was due") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  Post p = page.post();
  p.media.clear();
  p.text = "Conseil municipal ce soir à 19 h.";
  p.not_before = std::chrono::system_clock::now() - std::chrono::minutes(5);
  page.seed(p.text, 7 * 24 * 3600);
  auto last_week = publisher.find(p);
  REQUIRE_MESSAGE(last_week.ok(), last_week.error().message);
  CHECK_FALSE(last_week->has_value());
  const std::string today = page.seed(p.text, 2);
  auto found = publisher.find(p);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->has_value());
  CHECK((*found)->id == today);
}

TEST_CASE("linkedin: an answer lost after the post was made; find sees it, no second post") {
  Page page;
  LinkedInPublisher publisher(page.options, page.client);
  const Post p = page.post({page.file("photo.jpg", 2000, "image/jpeg", "")});
  page.fault(R"({"path": "/rest/posts", "method": "POST", "drop": true})");
  auto lost = publisher.create(p);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().kind == ErrorKind::transient);
  CHECK(lost.error().outcome_unknown);
  auto found = publisher.find(p);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK(page.state().at("posts").as_object().size() == 1);
  // Had the dispatcher tried again anyway, LinkedIn's duplicate refusal names the same post.
  auto again = publisher.create(p);
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(again->id == (*found)->id);
  CHECK(page.state().at("posts").as_object().size() == 1);
}

TEST_CASE("linkedin: what heals is transient with the wait asked, what does not is permanent") {
  Page page;
  SUBCASE("500 on the post") {
    LinkedInPublisher publisher(page.options, page.client);
    page.fault(R"({"path": "/rest/posts", "status": 500})");
    auto failing = publisher.create(page.post());
    REQUIRE_FALSE(failing.ok());
    CHECK(failing.error().kind == ErrorKind::transient);
    CHECK_FALSE(failing.error().retry_after.has_value());
    CHECK_FALSE(failing.error().outcome_unknown);
  }
  SUBCASE("503 with Retry-After") {
    LinkedInPublisher publisher(page.options, page.client);
    page.fault(R"({"path": "/rest/posts", "status": 503, "retry_after": "7"})");
    auto busy = publisher.create(page.post());
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().kind == ErrorKind::transient);
    CHECK(busy.error().retry_after == 7s);
  }
  SUBCASE("429 on a photo upload") {
    LinkedInPublisher publisher(page.options, page.client);
    page.fault(R"({"path": "/rest/images", "status": 429, "retry_after": "30"})");
    auto limited = publisher.create(page.post({page.file("a.jpg", 100, "image/jpeg", "")}));
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error().kind == ErrorKind::transient);
    CHECK(limited.error().retry_after == 30s);
    CHECK(contains(limited.error().message, "throttle"));
  }
  SUBCASE("an answer that is not JSON") {
    LinkedInPublisher publisher(page.options, page.client);
    page.fault(
        R"({"path": "/rest/posts?author", "status": 200, "raw": "<html>maintenance</html>"})");
    auto odd = publisher.find(page.post());
    REQUIRE_FALSE(odd.ok());
    CHECK(odd.error().kind == ErrorKind::transient);
    CHECK(contains(odd.error().message, "not JSON"));
  }
  SUBCASE("an invalid token") {
    page.options.access_token = "bogus-token";
    LinkedInPublisher publisher(page.options, page.client);
    auto refused = publisher.create(page.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "Invalid access token"));
    CHECK(contains(refused.error().message, "access_token_file"));
    CHECK_FALSE(contains(refused.error().message, "bogus"));  // never the token
  }
  SUBCASE("an expired token") {
    page.options.access_token = "expired-token";
    LinkedInPublisher publisher(page.options, page.client);
    auto refused = publisher.create(page.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "has expired"));
    CHECK(contains(refused.error().message, "60 days"));
  }
  SUBCASE("a member who is not an administrator of the page") {
    page.options.organization = "2414183";  // named as its URN all the same
    LinkedInPublisher publisher(page.options, page.client);
    page.fault(R"({"path": "/rest/posts", "status": 403})");
    auto refused = publisher.create(page.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "Not enough permissions"));
    CHECK(contains(refused.error().message, "w_organization_social"));
    CHECK(contains(refused.error().message, "ADMINISTRATOR or CONTENT_ADMIN of the page " + kOrg));
  }
  SUBCASE("a text over LinkedIn's 3000 characters") {
    LinkedInPublisher publisher(page.options, page.client);
    Post p = page.post();
    p.text = std::string(3100, 'a');
    auto refused = publisher.create(p);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "exceeds the maximum allowed 3000"));
  }
  SUBCASE("an API version LinkedIn no longer serves") {
    page.options.linkedin_version = "202410";
    LinkedInPublisher publisher(page.options, page.client);
    auto refused = publisher.create(page.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "202410 is not active"));
    CHECK(contains(refused.error().message, "set linkedin_version"));
  }
  SUBCASE("an organization that is not one") {
    page.options.organization = "mairie-de-saint-exemple";
    LinkedInPublisher publisher(page.options, page.client);
    auto refused = publisher.create(page.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(contains(refused.error().message, "urn:li:organization:123"));
    CHECK(calls(page.state()).empty());
  }
  CHECK(page.state().at("posts").as_object().empty());
}

TEST_CASE("linkedin: a time-out after the post was sent leaves its outcome unknown") {
  Page page;
  http::ClientOptions quick;
  quick.read_timeout = 300ms;
  LinkedInPublisher publisher(page.options, std::make_shared<http::Client>(quick));
  page.fault(R"({"path": "/rest/posts", "method": "POST", "sleep": 0.6})");
  auto late = publisher.create(page.post());
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().kind == ErrorKind::transient);
  CHECK(late.error().outcome_unknown);
  std::this_thread::sleep_for(500ms);  // the fake acts once its sleep is over
  auto found = publisher.find(page.post());
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  CHECK(found->has_value());
}

TEST_CASE("linkedin: check names the page and the token's end, or says what is wrong") {
  Page page;
  SUBCASE("a good token, its end known") {
    using namespace std::chrono;
    page.options.token_expires_at = sys_days{2027y / January / 15} + 10h;
    LinkedInPublisher publisher(page.options, page.client);
    auto said = publisher.check();
    REQUIRE_MESSAGE(said.ok(), said.error().message);
    CHECK(*said ==
          "posts as organisation 'Mairie de Saint-Exemple' (urn:li:organization:2414183); token "
          "valid until 2027-01-15");
    CHECK(publisher.credentials_expire_at() == page.options.token_expires_at);
  }
  SUBCASE("a good token, its end unknown") {
    LinkedInPublisher publisher(page.options, page.client);
    auto said = publisher.check();
    REQUIRE(said.ok());
    CHECK(*said == "posts as organisation 'Mairie de Saint-Exemple' (urn:li:organization:2414183)");
    CHECK_FALSE(publisher.credentials_expire_at().has_value());
  }
  SUBCASE("a revoked token") {
    page.options.access_token = "revoked-token";
    LinkedInPublisher publisher(page.options, page.client);
    auto said = publisher.check();
    REQUIRE_FALSE(said.ok());
    CHECK(said.error().kind == ErrorKind::permanent);
    CHECK(contains(said.error().message, "revoked by the user"));
  }
  SUBCASE("a page that does not exist") {
    page.options.organization = "urn:li:organization:999";
    LinkedInPublisher publisher(page.options, page.client);
    auto said = publisher.check();
    REQUIRE_FALSE(said.ok());
    CHECK(said.error().kind == ErrorKind::permanent);
    CHECK(contains(said.error().message, "Not Found"));
  }
}
