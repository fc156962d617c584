// The store's part of the right to disconnect: held mail rows, digests and their release, and
// absences that do not erase the ones planned later.
#include <doctest/doctest.h>

#include "migrated_store.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

std::int64_t mail_row(Store& store, const std::string& key) {
  OutboxRow row;
  row.effect_key = key;
  row.kind = EffectKind::mail;
  row.payload = "{}";
  row.due_at = kNow;
  return store.enqueue(row);
}

}  // namespace

TEST_CASE("held rows wait, join one digest, and go their own way when its lead does") {
  testing::MigratedStore db("relais-held");
  auto& store = db.store;
  const auto a = mail_row(store, "a");
  const auto b = mail_row(store, "b");
  const auto c = mail_row(store, "c");
  const TimePoint morning = kNow + 10h;
  store.hold_outbox(a, morning, "referent@example.org");
  store.hold_outbox(b, morning, "referent@example.org");
  store.hold_outbox(c, morning, "autre@example.org");
  CHECK(store.claim_outbox(kNow + 1h, kNow + 2h, 10).empty());  // nothing due overnight

  // In the morning, a leads: it finds b (same person), not c.
  store.lead_digest(a);
  auto due = store.held_due("referent@example.org", a, morning);
  REQUIRE(due.size() == 2);
  CHECK(due[0].id == a);
  CHECK(due[1].id == b);
  store.join_digest(b, a, morning + 24h * 365);
  auto mine = store.pending_outbox(b);
  REQUIRE(mine);
  CHECK(mine->digest_of == a);
  CHECK(mine->held_for == "referent@example.org");

  // a turns out not to be needed: b is released, due now, free of any digest.
  store.release_digest(a, morning);
  store.complete_outbox(a, morning);
  mine = store.pending_outbox(b);
  REQUIRE(mine);
  CHECK_FALSE(mine->digest_of);
  CHECK(mine->due_at == morning);
  CHECK_FALSE(store.pending_outbox(a));
  const auto claimed = store.claim_outbox(morning, morning + 5min, 10);
  CHECK(claimed.size() == 2);  // b and c
}

TEST_CASE("a new absence ends the current one but leaves a later one alone") {
  testing::MigratedStore db("relais-held");
  auto& store = db.store;
  const std::string who = "referent@example.org";
  store.set_absence({who, kNow + 24h * 30, kNow + 24h * 45, "cli"}, "cli", kNow);  // July
  store.set_absence({who, kNow, kNow + 24h, "mail:x"}, "auto-reply", kNow);        // today
  CHECK(store.absence_at(who, kNow + 1h));
  CHECK_FALSE(store.absence_at(who, kNow + 48h));
  CHECK(store.absence_at(who, kNow + 24h * 31));  // still planned
  CHECK(store.absences_after(kNow).size() == 2);

  CHECK(store.end_absence(who, "cli", "cli", kNow + 2h));
  CHECK_FALSE(store.absence_at(who, kNow + 3h));
  CHECK_FALSE(store.absence_at(who, kNow + 24h * 31));  // back means back
  CHECK_FALSE(store.end_absence(who, "cli", "cli", kNow + 3h));
}
