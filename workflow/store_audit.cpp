// The audit record: transitions chained by SHA-256 so that any edit or deletion of a past row
// breaks the chain at that row (verify_audit_chain). Triggers forbid UPDATE and DELETE.
#include <fmt/format.h>

#include "workflow/sha256.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {
namespace {

std::string chain_hash(const AuditRow& r, const std::string& prev) {
  // Fields are length-prefixed so that no two different rows serialise alike.
  std::string data;
  auto add = [&](std::string_view v) { data += fmt::format("{}:{}|", v.size(), v); };
  add(prev);
  add(std::to_string(r.request_id));
  add(r.from_state);
  add(r.to_state);
  add(r.event);
  add(r.actor);
  add(r.source);
  add(r.detail);
  add(std::to_string(to_millis(r.at)));
  return sha256_hex(data);
}

constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace

void Store::append_transition(const AuditRow& row) {
  std::string prev = kGenesis;
  auto last = db_.prepare("SELECT hash FROM transitions ORDER BY id DESC LIMIT 1");
  if (last.step())
    prev = last.text(0);
  db_.prepare(
         "INSERT INTO transitions (request_id, from_state, to_state, event, actor, source, "
         "detail, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(row.request_id, row.from_state, row.to_state, row.event, row.actor, row.source,
                row.detail, to_millis(row.at), prev, chain_hash(row, prev))
      .run();
}

namespace {

constexpr const char* kAuditColumns =
    "id, request_id, from_state, to_state, event, actor, source, detail, at, prev_hash, hash";

AuditRow read_audit(Statement& s) {
  return {s.int64(0), s.int64(1), s.text(2),
          s.text(3),  s.text(4),  s.text(5),
          s.text(6),  s.text(7),  from_millis(s.int64(8)),
          s.text(9),  s.text(10)};
}

}  // namespace

std::vector<AuditRow> Store::transitions_of(std::int64_t request_id) {
  std::vector<AuditRow> out;
  auto s = db_.prepare(
      fmt::format("SELECT {} FROM transitions WHERE request_id = ? ORDER BY id", kAuditColumns));
  s.bind_all(request_id);
  while (s.step())
    out.push_back(read_audit(s));
  return out;
}

std::optional<std::int64_t> Store::verify_audit_chain() {
  std::string prev = kGenesis;
  auto s = db_.prepare(fmt::format("SELECT {} FROM transitions ORDER BY id", kAuditColumns));
  while (s.step()) {
    AuditRow r = read_audit(s);
    if (r.prev_hash != prev || r.hash != chain_hash(r, prev))
      return r.id;
    prev = r.hash;
  }
  return std::nullopt;
}

}  // namespace relais::workflow
