// The outbox and the durable timers: rows claimed by (due_at, id) with a lease, so that an
// effect or timer whose worker died is claimed again once its lease runs out.
#include <fmt/format.h>

#include "workflow/store.hpp"

namespace relais::workflow {

std::int64_t Store::enqueue(const OutboxRow& row) {
  db_.prepare(
         "INSERT INTO outbox (request_id, effect_key, kind, payload, due_at, created_at) "
         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(effect_key) DO NOTHING")
      .bind_all(row.request_id, row.effect_key, to_string(row.kind), row.payload,
                to_millis(row.due_at), to_millis(row.due_at))
      .run();
  return db_.changes() == 1 ? db_.last_insert_id() : 0;
}

namespace {

constexpr const char* kOutboxColumns =
    "SELECT id, request_id, effect_key, kind, payload, due_at, attempts, last_error, held_for, "
    "digest_of FROM outbox ";

OutboxRow read_outbox_row(Statement& s) {
  OutboxRow r;
  r.id = s.int64(0);
  r.request_id = s.optional_int64(1);
  r.effect_key = s.text(2);
  const auto kind = s.text(3);
  for (auto k : {EffectKind::run_checks, EffectKind::mail, EffectKind::publish, EffectKind::remove,
                 EffectKind::chat}) {
    if (to_string(k) == kind)
      r.kind = k;
  }
  r.payload = s.text(4);
  r.due_at = from_millis(s.int64(5));
  r.attempts = static_cast<int>(s.int64(6));
  r.last_error = s.text(7);
  r.held_for = s.text(8);
  r.digest_of = s.optional_int64(9);
  return r;
}

}  // namespace

std::vector<OutboxRow> Store::claim_outbox(TimePoint now, TimePoint lease_until, int limit) {
  std::vector<OutboxRow> out;
  auto s = db_.prepare(std::string(kOutboxColumns) +
                       "WHERE done_at IS NULL AND due_at <= ?1 AND lease_until <= ?1 "
                       "ORDER BY due_at, id LIMIT ?2");
  s.bind(1, to_millis(now)).bind(2, limit);
  while (s.step())
    out.push_back(read_outbox_row(s));
  for (auto& r : out) {
    db_.prepare("UPDATE outbox SET lease_until = ?, attempts = attempts + 1 WHERE id = ?")
        .bind_all(to_millis(lease_until), r.id)
        .run();
    ++r.attempts;
  }
  return out;
}

void Store::complete_outbox(std::int64_t id, TimePoint at) {
  db_.prepare("UPDATE outbox SET done_at = ?, lease_until = 0, last_error = '' WHERE id = ?")
      .bind_all(to_millis(at), id)
      .run();
}

void Store::defer_outbox(std::int64_t id, TimePoint due_at, std::string_view error) {
  db_.prepare("UPDATE outbox SET due_at = ?, lease_until = 0, last_error = ? WHERE id = ?")
      .bind_all(to_millis(due_at), error, id)
      .run();
}

void Store::give_up_outbox(std::int64_t id, TimePoint at, std::string_view error) {
  db_.prepare("UPDATE outbox SET done_at = ?, lease_until = 0, last_error = ? WHERE id = ?")
      .bind_all(to_millis(at), fmt::format("gave up: {}", error), id)
      .run();
}

void Store::hold_outbox(std::int64_t id, TimePoint until, std::string_view address) {
  db_.prepare(
         "UPDATE outbox SET due_at = ?, held_for = ?, lease_until = 0, "
         "attempts = max(attempts - 1, 0) WHERE id = ?")
      .bind_all(to_millis(until), address, id)
      .run();
}

std::vector<OutboxRow> Store::held_due(std::string_view address, std::int64_t lead, TimePoint now) {
  std::vector<OutboxRow> out;
  auto s = db_.prepare(std::string(kOutboxColumns) +
                       "WHERE done_at IS NULL AND kind = 'mail' AND "
                       "((held_for = ?1 AND digest_of IS NULL AND due_at <= ?2) OR digest_of = ?3) "
                       "ORDER BY created_at, id");
  s.bind(1, address).bind(2, to_millis(now)).bind(3, lead);
  while (s.step())
    out.push_back(read_outbox_row(s));
  return out;
}

std::optional<OutboxRow> Store::pending_outbox(std::int64_t id) {
  auto s = db_.prepare(std::string(kOutboxColumns) + "WHERE id = ? AND done_at IS NULL");
  s.bind_all(id);
  if (!s.step())
    return std::nullopt;
  return read_outbox_row(s);
}

void Store::lead_digest(std::int64_t id) {
  db_.prepare("UPDATE outbox SET digest_of = id WHERE id = ?").bind_all(id).run();
}

void Store::join_digest(std::int64_t id, std::int64_t lead, TimePoint out_of_queue_until) {
  db_.prepare("UPDATE outbox SET digest_of = ?, due_at = ?, lease_until = 0 WHERE id = ?")
      .bind_all(lead, to_millis(out_of_queue_until), id)
      .run();
}

void Store::release_digest(std::int64_t lead, TimePoint at) {
  db_.prepare(
         "UPDATE outbox SET digest_of = NULL, due_at = ?, lease_until = 0 "
         "WHERE digest_of = ? AND id <> ? AND done_at IS NULL")
      .bind_all(to_millis(at), lead, lead)
      .run();
  db_.prepare("UPDATE outbox SET digest_of = NULL WHERE id = ?").bind_all(lead).run();
}

void Store::leave_digest(std::int64_t id, TimePoint at) {
  db_.prepare(
         "UPDATE outbox SET digest_of = NULL, held_for = '', due_at = ?, lease_until = 0 "
         "WHERE id = ?")
      .bind_all(to_millis(at), id)
      .run();
}

std::int64_t Store::outbox_depth() {
  auto s = db_.prepare("SELECT count(*) FROM outbox WHERE done_at IS NULL");
  s.step();
  return s.int64(0);
}

void Store::replace_timers(std::int64_t request_id, const std::vector<Timer>& timers) {
  db_.prepare("DELETE FROM timers WHERE request_id = ?").bind_all(request_id).run();
  for (const auto& t : timers) {
    db_.prepare("INSERT INTO timers (request_id, event, due_at) VALUES (?, ?, ?)")
        .bind_all(request_id, to_string(t.fires), to_millis(t.due))
        .run();
  }
}

std::vector<TimerRow> Store::claim_timers(TimePoint now, TimePoint lease_until, int limit) {
  std::vector<TimerRow> out;
  auto s = db_.prepare(
      "SELECT id, request_id, event, due_at FROM timers WHERE due_at <= ?1 AND lease_until <= ?1 "
      "ORDER BY due_at, id LIMIT ?2");
  s.bind(1, to_millis(now)).bind(2, limit);
  while (s.step()) {
    out.push_back({s.int64(0), s.int64(1), parse_event(s.text(2)).value_or(EventKind::expire),
                   from_millis(s.int64(3))});
  }
  for (auto& t : out) {
    db_.prepare("UPDATE timers SET lease_until = ? WHERE id = ?")
        .bind_all(to_millis(lease_until), t.id)
        .run();
  }
  return out;
}

void Store::delete_timer(std::int64_t id) {
  db_.prepare("DELETE FROM timers WHERE id = ?").bind_all(id).run();
}

void Store::release_leases() {
  db_.exec("UPDATE outbox SET lease_until = 0 WHERE done_at IS NULL AND lease_until <> 0");
  db_.exec("UPDATE timers SET lease_until = 0 WHERE lease_until <> 0");
  db_.exec("UPDATE case_timers SET lease_until = 0 WHERE lease_until <> 0");
}

std::optional<TimePoint> Store::next_due() {
  auto s = db_.prepare(
      "SELECT min(t) FROM (SELECT min(max(due_at, lease_until)) AS t FROM outbox WHERE done_at "
      "IS NULL UNION ALL SELECT min(max(due_at, lease_until)) FROM timers "
      "UNION ALL SELECT min(max(due_at, lease_until)) FROM case_timers)");
  if (!s.step() || s.is_null(0))
    return std::nullopt;
  return from_millis(s.int64(0));
}

}  // namespace relais::workflow
