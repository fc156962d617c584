// The SQLite store and the engine on a real file: a whole request's life, the outbox lease,
// timers, the audit chain, and reopening after an unclean close.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "workflow/engine.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);  // 2026-09-21

struct TempDb {
  fs::path dir;
  TempDb() {
    dir = fs::temp_directory_path() / fs::path("relais-store-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(counter()++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDb() { fs::remove_all(dir); }
  fs::path file() const { return dir / "relais.db"; }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

Event ev(EventKind k, TimePoint at = kNow) {
  Event e;
  e.kind = k;
  e.at = at;
  e.actor = "test";
  e.source = "unit";
  e.channel = "site";
  return e;
}

Request draft() {
  Request r;
  r.sender = "agent@example.org";
  r.subject = "Inauguration";
  r.text = "La médiathèque ouvre ses portes.";
  return r;
}

}  // namespace

TEST_CASE("a request's whole life through the engine") {
  TempDb tmp;
  Store store(tmp.file(), Database::Mode::read_write);
  store.migrate();
  CHECK(store.schema_version() >= 1);
  Engine engine(Policy{});

  store.begin();
  Request r = engine.create(store, draft(), ev(EventKind::submitted));
  store.commit();
  CHECK(r.reference == "PUB-2026-0001");
  CHECK(r.state == State::received);
  CHECK(r.version == 1);
  CHECK(store.outbox_depth() == 1);

  store.begin();
  CHECK(engine.handle(store, r.id, ev(EventKind::checks_started)).applied);
  CHECK(engine.handle(store, r.id, ev(EventKind::checks_done)).applied);
  store.commit();
  auto loaded = store.find_request("PUB-2026-0001");
  REQUIRE(loaded);
  CHECK(loaded->state == State::awaiting_approval);
  CHECK(loaded->channels.size() == 1);
  CHECK(store.find_request(std::to_string(r.id))->reference == r.reference);

  SUBCASE("an illegal event changes nothing") {
    store.begin();
    auto h = engine.handle(store, r.id, ev(EventKind::publish_due));
    store.commit();
    CHECK_FALSE(h.applied);
    CHECK(store.load_request(r.id)->version == loaded->version);
  }

  store.begin();
  auto approved = engine.handle(store, r.id, ev(EventKind::approve));
  store.commit();
  CHECK(approved.applied);
  CHECK(approved.request->state == State::scheduled);

  // The publish timer is durable and claimable once due; the expire timer of the previous
  // state is gone.
  store.begin();
  CHECK(store.claim_timers(kNow - 1s, kNow + 1min, 10).empty());
  auto timers = store.claim_timers(kNow + 1s, kNow + 1min, 10);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].fires == EventKind::publish_due);
  CHECK(store.claim_timers(kNow + 2s, kNow + 1min, 10).empty());  // leased
  store.commit();

  CHECK(store.transitions_of(r.id).size() == 4);
  CHECK_FALSE(store.verify_audit_chain());
  CHECK(store.next_reference(2026) == "PUB-2026-0002");
}

TEST_CASE("outbox rows are claimed by due time with a lease, and are idempotent by key") {
  TempDb tmp;
  Store store(tmp.file(), Database::Mode::read_write);
  store.migrate();
  store.begin();
  OutboxRow row;
  row.effect_key = "k1";
  row.kind = EffectKind::mail;
  row.payload = "{}";
  row.due_at = kNow;
  CHECK(store.enqueue(row) > 0);
  CHECK(store.enqueue(row) == 0);  // same key: nothing new
  row.effect_key = "k2";
  row.due_at = kNow + 1h;
  store.enqueue(row);
  auto claimed = store.claim_outbox(kNow, kNow + 30s, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].effect_key == "k1");
  CHECK(claimed[0].attempts == 1);
  CHECK(store.claim_outbox(kNow + 10s, kNow + 40s, 10).empty());
  auto again = store.claim_outbox(kNow + 31s, kNow + 60s, 10);  // lease ran out: claimed again
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
  store.release_leases();  // a restart: the dead holder's lease is void
  REQUIRE(store.claim_outbox(kNow + 32s, kNow + 60s, 10).size() == 1);
  store.defer_outbox(again[0].id, kNow + 5min, "421 try later");
  CHECK(*store.next_due() == kNow + 5min);
  store.complete_outbox(again[0].id, kNow + 5min);
  CHECK(*store.next_due() == kNow + 1h);
  CHECK(store.outbox_depth() == 1);
  store.commit();
}

TEST_CASE("the audit chain detects an edited row") {
  TempDb tmp;
  Store store(tmp.file(), Database::Mode::read_write);
  store.migrate();
  Engine engine(Policy{});
  store.begin();
  auto r = engine.create(store, draft(), ev(EventKind::submitted));
  engine.handle(store, r.id, ev(EventKind::checks_started));
  store.commit();
  CHECK_FALSE(store.verify_audit_chain());
  CHECK_THROWS_AS(store.db().exec("UPDATE audit SET actor = 'x'"), SqliteError);
  CHECK_THROWS_AS(store.db().exec("DELETE FROM audit"), SqliteError);
  store.db().exec("DROP TRIGGER audit_no_update");
  store.db().exec("UPDATE audit SET actor = 'mallory' WHERE id = 2");
  CHECK(store.verify_audit_chain() == 2);
}

TEST_CASE("the store reopens after an unclean close") {
  TempDb tmp;
  {
    Store store(tmp.file(), Database::Mode::read_write);
    store.migrate();
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Commit one request, leave a second transaction open, and die without closing.
    Store store(tmp.file(), Database::Mode::read_write);
    Engine engine(Policy{});
    store.begin();
    engine.create(store, draft(), ev(EventKind::submitted));
    store.commit();
    store.begin();
    engine.create(store, draft(), ev(EventKind::submitted));
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));

  Store store(tmp.file(), Database::Mode::read_write);
  store.migrate();
  auto check = store.db().prepare("PRAGMA integrity_check");
  REQUIRE(check.step());
  CHECK(check.text(0) == "ok");
  auto all = store.list_requests(std::nullopt, 10);
  REQUIRE(all.size() == 1);
  CHECK(all[0].state == State::received);
  CHECK_FALSE(store.verify_audit_chain());
}
