// The audit record: every transition, case decision, mail in and out, removal and consent
// change, chained by SHA-256 so that any edit or deletion of a past row breaks the chain at
// that row (verify_audit_chain). Triggers forbid UPDATE and DELETE.
#include <fmt/format.h>

#include "workflow/sha256.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {
namespace {

std::string chain_hash(const AuditRow& r, const std::string& prev) {
  // Fields are length-prefixed so that no two different rows serialise alike. A request
  // transition hashes exactly as in schema v1, so the rows migrated from v1 still verify.
  std::string data;
  auto add = [&](std::string_view v) { data += fmt::format("{}:{}|", v.size(), v); };
  add(prev);
  add(r.request_id ? std::to_string(r.request_id) : std::string());
  add(r.from_state);
  add(r.to_state);
  add(r.event);
  add(r.actor);
  add(r.source);
  add(r.detail);
  add(std::to_string(to_millis(r.at)));
  if (r.kind != "transition" || r.case_id) {
    add(r.kind);
    add(r.case_id ? std::to_string(*r.case_id) : std::string());
  }
  return sha256_hex(data);
}

constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

std::optional<std::int64_t> nonzero(std::int64_t v) {
  return v ? std::optional<std::int64_t>(v) : std::nullopt;
}

}  // namespace

void Store::append_transition(const AuditRow& row) {
  append_audit(row);
}

void Store::append_audit(const AuditRow& row) {
  std::string prev = kGenesis;
  auto last = db_.prepare("SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
  if (last.step())
    prev = last.text(0);
  db_.prepare(
         "INSERT INTO audit (kind, request_id, case_id, from_state, to_state, event, actor, "
         "source, detail, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(row.kind, nonzero(row.request_id), row.case_id, row.from_state, row.to_state,
                row.event, row.actor, row.source, row.detail, to_millis(row.at), prev,
                chain_hash(row, prev))
      .run();
}

namespace {

constexpr const char* kAuditColumns =
    "id, IFNULL(request_id, 0), from_state, to_state, event, actor, source, detail, at, "
    "prev_hash, hash, kind, case_id";

AuditRow read_audit(Statement& s) {
  AuditRow r;
  r.id = s.int64(0);
  r.request_id = s.int64(1);
  r.from_state = s.text(2);
  r.to_state = s.text(3);
  r.event = s.text(4);
  r.actor = s.text(5);
  r.source = s.text(6);
  r.detail = s.text(7);
  r.at = from_millis(s.int64(8));
  r.prev_hash = s.text(9);
  r.hash = s.text(10);
  r.kind = s.text(11);
  r.case_id = s.optional_int64(12);
  return r;
}

}  // namespace

std::vector<AuditRow> Store::transitions_of(std::int64_t request_id) {
  std::vector<AuditRow> out;
  auto s = db_.prepare(
      fmt::format("SELECT {} FROM audit WHERE request_id = ? AND kind = 'transition' ORDER BY id",
                  kAuditColumns));
  s.bind_all(request_id);
  while (s.step())
    out.push_back(read_audit(s));
  return out;
}

std::vector<AuditRow> Store::audit_rows(std::optional<std::int64_t> request_id,
                                        std::optional<std::int64_t> case_id) {
  std::vector<AuditRow> out;
  auto s =
      db_.prepare(fmt::format("SELECT {} FROM audit WHERE (?1 IS NULL OR request_id = ?1) "
                              "AND (?2 IS NULL OR case_id = ?2) ORDER BY id",
                              kAuditColumns));
  s.bind(1, request_id).bind(2, case_id);
  while (s.step())
    out.push_back(read_audit(s));
  return out;
}

std::int64_t Store::audit_count() {
  auto s = db_.prepare("SELECT count(*) FROM audit");
  s.step();
  return s.int64(0);
}

std::optional<std::int64_t> Store::verify_audit_chain() {
  std::string prev = kGenesis;
  auto s = db_.prepare(fmt::format("SELECT {} FROM audit ORDER BY id", kAuditColumns));
  while (s.step()) {
    AuditRow r = read_audit(s);
    if (r.prev_hash != prev || r.hash != chain_hash(r, prev))
      return r.id;
    prev = r.hash;
  }
  return std::nullopt;
}

}  // namespace relais::workflow
