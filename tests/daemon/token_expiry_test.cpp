// Expiring network credentials: the thresholds, and one outbox mail per channel, expiry day,
// threshold and recipient however often the hourly pass runs.
#include <doctest/doctest.h>

#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>

#include "daemon/config/config.hpp"
#include "daemon/credential_warnings.hpp"
#include "workflow/store.hpp"

namespace fs = std::filesystem;
using namespace relais;
using namespace relais::daemon;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

struct Expiring : connectors::Publisher {
  std::optional<Clock::time_point> at;
  std::string_view type() const override { return "linkedin"; }
  Result<connectors::PostRef> create(const connectors::Post&) override { return Error{}; }
  Result<void> remove(const connectors::PostRef&) override { return {}; }
  Result<std::optional<connectors::PostRef>> find(const connectors::Post&) override {
    return std::optional<connectors::PostRef>();
  }
  Result<std::string> check() override { return std::string("ok"); }
  std::optional<Clock::time_point> credentials_expire_at() const override { return at; }
};

}  // namespace

TEST_CASE("credential warnings: 14, 7 and 1 days before, then expired") {
  const auto now = Clock::time_point(1764000000s);
  CHECK_FALSE(credential_warning_due(now + 15 * 24h, now));
  CHECK(credential_warning_due(now + 14 * 24h, now) == 14);
  CHECK(credential_warning_due(now + 8 * 24h, now) == 14);
  CHECK(credential_warning_due(now + 7 * 24h, now) == 7);
  CHECK(credential_warning_due(now + 2 * 24h, now) == 7);
  CHECK(credential_warning_due(now + 20h, now) == 1);
  CHECK(credential_warning_due(now, now) == 0);
  CHECK(credential_warning_due(now - 24h, now) == 0);
}

TEST_CASE("credential warnings: one mail per threshold and recipient, whatever the passes") {
  const fs::path dir = fs::temp_directory_path() / ("relais-cred-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    workflow::Store store(dir / "relais.db", workflow::Database::Mode::read_write);
    store.migrate();
    Config config;
    config.general.language = "fr";
    config.referent.address = "referent@example.org";
    config.referent.admin_address = "dsi@example.org";
    auto linkedin = std::make_unique<Expiring>();
    auto* expiring = linkedin.get();
    std::map<std::string, std::unique_ptr<connectors::Publisher>> publishers;
    publishers["linkedin"] = std::move(linkedin);
    publishers["mastodon"] = std::make_unique<Expiring>();  // no known expiry: never warned
    const auto now = Clock::time_point(1764000000s);
    expiring->at = now + 30 * 24h;
    CHECK(enqueue_credential_warnings(store, config, publishers, now) == 0);
    expiring->at = now + 10 * 24h;
    CHECK(enqueue_credential_warnings(store, config, publishers, now) == 2);  // referent, admin
    CHECK(enqueue_credential_warnings(store, config, publishers, now + 1h) == 0);
    CHECK(enqueue_credential_warnings(store, config, publishers, now + 4 * 24h) == 2);  // 7 days
    CHECK(enqueue_credential_warnings(store, config, publishers, now + 10 * 24h + 1s) == 2);
    config.referent.admin_address.clear();
    expiring->at = now + 70 * 24h;  // a fresh token: its own warnings later, none now
    CHECK(enqueue_credential_warnings(store, config, publishers, now + 10 * 24h) == 0);
    const auto later = std::chrono::time_point_cast<std::chrono::milliseconds>(now + 20 * 24h);
    auto rows = store.claim_outbox(later, later + 24h, 50);
    REQUIRE(rows.size() == 6);
    const auto payload = boost::json::parse(rows[0].payload).as_object();
    CHECK(payload.at("name") == "credentials_expiring");
    CHECK(payload.at("recipient") == "referent@example.org");
    CHECK(payload.at("context").at("channel") == "linkedin");
    CHECK(payload.at("context").at("days") == 14);
    CHECK_FALSE(rows[0].request_id);
  }
  fs::remove_all(dir);
}
