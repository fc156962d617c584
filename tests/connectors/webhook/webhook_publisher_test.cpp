// The webhook channel against a receiver that checks the signature, the time window and the
// body against schemas/webhook-event.schema.json (fake_receiver.py): events delivered once per
// delivery id even when the answer is lost, removal, and the errors a referent must read.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../local_server.hpp"
#include "connectors/webhook/signature.hpp"
#include "connectors/webhook/webhook_publisher.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace relais::connectors;
using namespace relais::connectors::webhook;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

const std::string kFake =
    std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/webhook/fake_receiver.py";

struct Receiver {
  relais::test::LocalServer server{kFake};
  std::shared_ptr<http::Client> client = std::make_shared<http::Client>(http::ClientOptions{});
  fs::path dir;
  WebhookOptions options;

  Receiver() {
    char name[] = "/tmp/relais-webhook-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    options.url = server.url("http", "127.0.0.1", "/hook");
    options.secret = "webhook-secret";
  }
  ~Receiver() { fs::remove_all(dir); }

  Post post() {
    std::ofstream(dir / "photo.jpg", std::ios::binary) << std::string(3000, '\xff');
    Post p;
    p.idempotency_key = "7:intranet";
    p.reference = "PUB-2026-0007";
    p.title = "Forum des associations";
    p.text = "Le forum a réuni quarante stands.";
    p.author = "Jeanne Martin";
    p.published_at = std::chrono::system_clock::now();
    p.media = {{dir / "photo.jpg", "image/jpeg", std::string(64, 'a'), "Des stands"}};
    return p;
  }

  json::object state() { return relais::test::fake_state(server.url("http", "127.0.0.1", "")); }

  void fault(const std::string& body) {
    relais::test::fake_post(server.url("http", "127.0.0.1", ""), "/__fault", body);
  }
};

}  // namespace

TEST_CASE("webhook: a signed published event the receiver accepts, then removed") {
  Receiver w;
  WebhookPublisher publisher(w.options, w.client);
  auto ref = publisher.create(w.post());
  REQUIRE_MESSAGE(ref.ok(), ref.error().message);
  CHECK(ref->id == "cms-1");
  CHECK(ref->url == "https://intranet.example/actus/cms-1");
  auto posts = w.state().at("posts").as_object();
  REQUIRE(posts.size() == 1);
  const auto& post = posts.at("cms-1").as_object();
  CHECK(post.at("text") == "Le forum a réuni quarante stands.\n\n© Jeanne Martin");
  CHECK(post.at("media").as_array()[0].at("size") == 3000);
  CHECK(post.at("media").as_array()[0].at("alt") == "Des stands");
  CHECK(publisher.remove(*ref).ok());
  CHECK(w.state().at("posts").as_object().empty());
  CHECK(publisher.remove(*ref).ok());  // 404: already gone
}

TEST_CASE("webhook: a lost answer; the same delivery sent again creates nothing new") {
  Receiver w;
  WebhookPublisher publisher(w.options, w.client);
  w.fault(R"({"event": "published", "drop": true})");
  auto lost = publisher.create(w.post());
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().outcome_unknown);
  auto found = publisher.find(w.post());
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());  // nothing to look in: the delivery id does the work
  auto again = publisher.create(w.post());
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(again->id == "cms-1");
  CHECK(w.state().at("posts").as_object().size() == 1);
}

TEST_CASE("webhook: faults and refusals") {
  Receiver w;
  SUBCASE("503 with Retry-After") {
    WebhookPublisher publisher(w.options, w.client);
    w.fault(R"({"event": "published", "status": 503, "retry_after": "12"})");
    auto busy = publisher.create(w.post());
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().kind == ErrorKind::transient);
    CHECK(busy.error().retry_after == 12s);
    CHECK_FALSE(busy.error().outcome_unknown);
  }
  SUBCASE("500 then 429 on removal") {
    WebhookPublisher publisher(w.options, w.client);
    w.fault(R"({"event": "removed", "status": 429, "retry_after": "3"})");
    auto limited = publisher.remove({"cms-9", ""});
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error().kind == ErrorKind::transient);
    CHECK(limited.error().retry_after == 3s);
    w.fault(R"({"event": "removed", "status": 500})");
    CHECK(publisher.remove({"cms-9", ""}).error().kind == ErrorKind::transient);
    CHECK(publisher.remove({"cms-9", ""}).ok());
  }
  SUBCASE("a time-out") {
    http::ClientOptions quick;
    quick.read_timeout = 300ms;
    WebhookPublisher publisher(w.options, std::make_shared<http::Client>(quick));
    w.fault(R"({"event": "published", "sleep": 1})");
    auto late = publisher.create(w.post());
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().kind == ErrorKind::transient);
    CHECK(late.error().outcome_unknown);
  }
  SUBCASE("another secret") {
    w.options.secret = "not-the-secret";
    WebhookPublisher publisher(w.options, w.client);
    auto refused = publisher.create(w.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(refused.error().message.find("bad signature") != std::string::npos);
    CHECK(refused.error().message.find("secret_file") != std::string::npos);
    CHECK(refused.error().message.find("not-the-secret") == std::string::npos);
    auto ping = publisher.check();
    REQUIRE_FALSE(ping.ok());
    CHECK(ping.error().kind == ErrorKind::permanent);
  }
  SUBCASE("media over the inline limit") {
    w.options.max_inline_bytes = 1000;
    WebhookPublisher publisher(w.options, w.client);
    auto refused = publisher.create(w.post());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(w.state().at("calls").as_array().empty());
  }
}

TEST_CASE("webhook: check() sends a signed ping") {
  Receiver w;
  WebhookPublisher publisher(w.options, w.client);
  auto said = publisher.check();
  REQUIRE_MESSAGE(said.ok(), said.error().message);
  CHECK(said->find("accepted a signed ping (HTTP 200)") != std::string::npos);
  CHECK(w.state().at("posts").as_object().empty());
}

TEST_CASE("webhook signature: computed as documented, verified in its window") {
  // Worked example of the README: printf '1764000000.{}' | openssl dgst -sha256 -hmac s3cret
  CHECK(signature("s3cret", 1764000000, "{}") ==
        "sha256=6850ae36adb3d514d560e4f72b01d4ed2cd2e5702a042a7728aa7c2d94d2d1cb");
  const auto now = std::chrono::system_clock::time_point(1764000100s);
  const auto good = signature("s3cret", 1764000000, "{}");
  CHECK(verify_signature("s3cret", "1764000000", "{}", good, now) == SignatureProblem::none);
  CHECK(verify_signature("other", "1764000000", "{}", good, now) == SignatureProblem::mismatch);
  CHECK(verify_signature("s3cret", "1764000000", "{ }", good, now) == SignatureProblem::mismatch);
  CHECK(verify_signature("s3cret", "1764000000", "{}", good, now + 400s) ==
        SignatureProblem::too_old);
  CHECK(verify_signature("s3cret", "17640x0000", "{}", good, now) == SignatureProblem::malformed);
  CHECK(verify_signature("s3cret", "1764000000", "{}", "d1b1", now) == SignatureProblem::malformed);
}
