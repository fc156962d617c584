// The store's part of the dashboard: the request list with its filters (state, words taken
// literally), the calendar's window, channel activity, one-time login links, sessions and the
// calendar feed's generations.
#include <doctest/doctest.h>

#include "migrated_store.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

std::int64_t add(Store& store, int n, State state, std::string subject,
                 std::optional<TimePoint> publish_at = std::nullopt) {
  Request r;
  r.reference = "PUB-2026-" + std::to_string(1000 + n);
  r.state = state;
  r.sender = "agent@example.org";
  r.subject = std::move(subject);
  r.text = "Un texte.";
  r.publish_at = publish_at;
  r.created_at = r.updated_at = kNow + std::chrono::minutes(n);
  r.channels = {{"site", ChannelStatus::pending, "", "", ""}};
  return store.insert_request(r);
}

}  // namespace

TEST_CASE("the request list filters by state and by words, newest first, a page at a time") {
  testing::MigratedStore db("relais-dash");
  auto& store = db.store;
  add(store, 1, State::awaiting_approval, "Fête de quartier");
  add(store, 2, State::published, "Forum des associations");
  add(store, 3, State::awaiting_approval, "Remise des prix 100% réussie");
  add(store, 4, State::awaiting_approval, "Conseil_municipal");

  auto refs = [](const std::vector<Request>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs)
      out.push_back(r.reference);
    return out;
  };
  CHECK(
      refs(store.search_requests({})) ==
      std::vector<std::string>{"PUB-2026-1004", "PUB-2026-1003", "PUB-2026-1002", "PUB-2026-1001"});
  CHECK(store.count_requests({}) == 4);
  Store::RequestFilter waiting{State::awaiting_approval, "", 2, 0};
  CHECK(refs(store.search_requests(waiting)) ==
        std::vector<std::string>{"PUB-2026-1004", "PUB-2026-1003"});
  CHECK(store.count_requests(waiting) == 3);
  waiting.offset = 2;
  CHECK(refs(store.search_requests(waiting)) == std::vector<std::string>{"PUB-2026-1001"});
  CHECK(store.search_requests(waiting).front().channels.size() == 1);

  // Words are taken as written: '%' and '_' are not wildcards; ASCII case does not matter.
  CHECK(refs(store.search_requests({std::nullopt, "100%", 50, 0})) ==
        std::vector<std::string>{"PUB-2026-1003"});
  CHECK(store.count_requests({std::nullopt, "%", 50, 0}) == 1);
  CHECK(store.count_requests({std::nullopt, "_", 50, 0}) == 1);
  CHECK(store.count_requests({std::nullopt, "FORUM", 50, 0}) == 1);
  CHECK(store.count_requests({State::published, "forum", 50, 0}) == 1);
  CHECK(store.count_requests({State::awaiting_approval, "forum", 50, 0}) == 0);
  CHECK(store.count_requests({std::nullopt, "PUB-2026-100", 50, 0}) == 4);
}

TEST_CASE("search goes through the trigram index: any case, accents, quotes, kept by updates") {
  testing::MigratedStore db("relais-dash");
  auto& store = db.store;
  const auto id = add(store, 1, State::published, "FÊTE de la \"Musique\"");
  add(store, 2, State::published, "Forum");
  CHECK(store.count_requests({std::nullopt, "fête", 50, 0}) == 1);
  CHECK(store.count_requests({std::nullopt, "de la \"mus", 50, 0}) == 1);
  CHECK(store.count_requests({std::nullopt, "\" OR \"", 50, 0}) == 0);  // not an FTS query
  CHECK(store.count_requests({std::nullopt, "NEAR(a b)", 50, 0}) == 0);
  CHECK(store.count_requests({std::nullopt, "agent@exa", 50, 0}) == 2);  // the sender
  auto r = *store.load_request(id);
  r.subject = "Concert du kiosque";
  r.version += 1;
  REQUIRE(store.save_request(r));
  CHECK(store.count_requests({std::nullopt, "fête", 50, 0}) == 0);
  CHECK(store.count_requests({std::nullopt, "kiosque", 50, 0}) == 1);
  CHECK(store.search_requests({State::published, "KIOSQUE", 50, 0}).front().id == id);
}

TEST_CASE("the calendar's window holds the publications in [from, to), by time") {
  testing::MigratedStore db("relais-dash");
  auto& store = db.store;
  add(store, 1, State::scheduled, "b", kNow + 2h);
  add(store, 2, State::scheduled, "a", kNow + 1h);
  add(store, 3, State::scheduled, "edge", kNow + 3h);
  add(store, 4, State::awaiting_approval, "none");
  const auto in = store.requests_publishing_between(kNow, kNow + 3h);
  REQUIRE(in.size() == 2);
  CHECK(in[0].subject == "a");
  CHECK(in[1].subject == "b");
  CHECK(in[1].channels.size() == 1);
}

TEST_CASE("channel activity: posts made, the last one, the last error") {
  testing::MigratedStore db("relais-dash");
  auto& store = db.store;
  const auto id = add(store, 1, State::published, "a");
  auto r = *store.load_request(id);
  r.channels = {{"site", ChannelStatus::published, "p1", "http://x/1", ""},
                {"masto", ChannelStatus::failed, "", "", "HTTP 401: token revoked"}};
  r.version += 1;
  REQUIRE(store.save_request(r));
  const auto activity = store.channel_activity();
  REQUIRE(activity.size() == 2);
  CHECK(activity[0].channel == "masto");
  CHECK(activity[0].published == 0);
  CHECK(activity[0].last_error == "HTTP 401: token revoked");
  CHECK(activity[0].last_error_reference == "PUB-2026-1001");
  CHECK(activity[1].channel == "site");
  CHECK(activity[1].published == 1);
  CHECK(activity[1].last_published_at.has_value());
  CHECK_FALSE(activity[1].last_error_at.has_value());
}

TEST_CASE("a login link opens once and not after its expiry; sessions end and expire") {
  testing::MigratedStore db("relais-dash");
  auto& store = db.store;
  store.insert_login("h1", "Referent@Example.org", kNow, kNow + 15min);
  store.insert_login("h2", "referent@example.org", kNow, kNow + 15min);
  CHECK(store.use_login("h1", kNow + 1min) == "referent@example.org");
  CHECK_FALSE(store.use_login("h1", kNow + 2min));   // once
  CHECK_FALSE(store.use_login("h2", kNow + 15min));  // expired
  CHECK_FALSE(store.use_login("unknown", kNow));

  store.insert_session("s1", {"referent@example.org", "csrf1", kNow + 8h}, kNow);
  const auto open = store.find_session("s1", kNow + 1h);
  REQUIRE(open);
  CHECK(open->csrf == "csrf1");
  CHECK_FALSE(store.find_session("s1", kNow + 8h));  // expired
  store.end_session("s1", kNow + 2h);
  CHECK_FALSE(store.find_session("s1", kNow + 3h));  // ended
  store.prune_dashboard(kNow + 9h);
  for (const char* table : {"dashboard_sessions", "dashboard_logins"}) {
    auto count = store.db().prepare(std::string("SELECT count(*) FROM ") + table);
    REQUIRE(count.step());
    CHECK(count.int64(0) == 0);
  }
}

TEST_CASE("a calendar feed's generation starts at 0 and each new address bumps it") {
  testing::MigratedStore db("relais-dash");
  auto& store = db.store;
  CHECK(store.calendar_generation("referent@example.org") == 0);
  CHECK(store.next_calendar_generation("Referent@example.org", kNow) == 1);
  CHECK(store.next_calendar_generation("referent@example.org", kNow) == 2);
  CHECK(store.calendar_generation("REFERENT@example.org") == 2);
  CHECK(store.calendar_generation("suppleant@example.org") == 0);
}
