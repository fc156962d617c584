// Store: what answers by mail and automatic mail record about people (schema v5): the token a
// notification carried, absences, addresses that bounce. The caller holds the transaction;
// SQLite failures throw SqliteError.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "workflow/ascii.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {

std::optional<TokenRow> Store::token_of_sent_mail(std::string_view message_id) {
  if (message_id.empty())
    return std::nullopt;
  auto s = db_.prepare(
      "SELECT token_hash FROM messages WHERE direction = 'out' AND message_id = ? AND "
      "token_hash IS NOT NULL ORDER BY id DESC LIMIT 1");
  s.bind_all(message_id);
  if (!s.step())
    return std::nullopt;
  return find_token(s.text(0));
}

void Store::set_absence(const Absence& a, std::string_view actor, TimePoint at) {
  const std::string address = lower(a.address);
  // What is left of an earlier absence ends where the new one starts: the latest word counts.
  // Absences planned for later are left as they are.
  db_.prepare(
         "UPDATE absences SET until = ?1 WHERE address = ?2 AND until > ?1 AND starts_at <= ?1")
      .bind_all(to_millis(a.starts_at), address)
      .run();
  db_.prepare("INSERT INTO absences (address, starts_at, until, source, at) VALUES (?, ?, ?, ?, ?)")
      .bind_all(address, to_millis(a.starts_at), to_millis(a.until), a.source, to_millis(at))
      .run();
  AuditRow row;
  row.kind = "absence";
  row.event = "absent";
  row.actor = std::string(actor);
  row.source = a.source;
  row.detail = boost::json::serialize(boost::json::object{
      {"address", address}, {"from", to_millis(a.starts_at)}, {"until", to_millis(a.until)}});
  row.at = at;
  append_audit(row);
}

std::optional<Store::Absence> Store::absence_at(std::string_view address, TimePoint at) {
  auto s = db_.prepare(
      "SELECT address, starts_at, until, source FROM absences WHERE address = ? AND "
      "starts_at <= ? AND until > ? ORDER BY id DESC LIMIT 1");
  s.bind_all(lower(address), to_millis(at), to_millis(at));
  if (!s.step())
    return std::nullopt;
  return Absence{s.text(0), from_millis(s.int64(1)), from_millis(s.int64(2)), s.text(3)};
}

std::vector<Store::Absence> Store::absences_after(TimePoint at) {
  std::vector<Absence> out;
  auto s = db_.prepare(
      "SELECT address, starts_at, until, source FROM absences WHERE until > ? AND until > "
      "starts_at ORDER BY starts_at, id");
  s.bind_all(to_millis(at));
  while (s.step())
    out.push_back({s.text(0), from_millis(s.int64(1)), from_millis(s.int64(2)), s.text(3)});
  return out;
}

bool Store::end_absence(std::string_view address, std::string_view actor, std::string_view source,
                        TimePoint at) {
  const std::string who = lower(address);
  // Absences not begun yet are dropped too: "back" means "not away from now on".
  db_.prepare(
         "UPDATE absences SET until = max(starts_at, ?1) WHERE address = ?2 AND until > ?1 "
         "AND until > starts_at")
      .bind_all(to_millis(at), who)
      .run();
  if (db_.changes() == 0)
    return false;
  AuditRow row;
  row.kind = "absence";
  row.event = "back";
  row.actor = std::string(actor);
  row.source = std::string(source);
  row.detail = boost::json::serialize(boost::json::object{{"address", who}});
  row.at = at;
  append_audit(row);
  return true;
}

namespace {
Store::FailingAddress read_failing(Statement& s) {
  Store::FailingAddress f{s.text(0),
                          s.text(1),
                          s.text(2),
                          s.text(3),
                          from_millis(s.int64(4)),
                          from_millis(s.int64(5)),
                          std::nullopt};
  if (auto a = s.optional_int64(6))
    f.alerted_at = from_millis(*a);
  return f;
}
constexpr const char* kFailingColumns =
    "address, status, diagnostic, message_id, first_at, at, alerted_at";
}  // namespace

std::optional<Store::FailingAddress> Store::mark_failing(const FailingAddress& f) {
  const std::string address = lower(f.address);
  std::optional<FailingAddress> before;
  {
    auto s = db_.prepare(
        fmt::format("SELECT {} FROM failing_addresses WHERE address = ?", kFailingColumns));
    s.bind_all(address);
    if (s.step())
      before = read_failing(s);
  }
  db_.prepare(
         "INSERT INTO failing_addresses (address, status, diagnostic, message_id, first_at, at) "
         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET status = excluded.status, "
         "diagnostic = excluded.diagnostic, message_id = excluded.message_id, at = excluded.at")
      .bind_all(address, f.status, f.diagnostic, f.message_id, to_millis(f.at), to_millis(f.at))
      .run();
  AuditRow row;
  row.kind = "bounce";
  row.event = "address_failing";
  row.actor = "mail:" + address;
  row.source = "dsn:" + f.message_id;
  row.detail = boost::json::serialize(boost::json::object{
      {"address", address}, {"status", f.status}, {"diagnostic", f.diagnostic}});
  row.at = f.at;
  if (f.message_id.empty())
    row.source = "dsn";
  else if (auto r = request_of_message(f.message_id))
    row.request_id = *r;
  append_audit(row);
  return before;
}

void Store::mark_failing_alerted(std::string_view address, TimePoint at) {
  db_.prepare("UPDATE failing_addresses SET alerted_at = ? WHERE address = ?")
      .bind_all(to_millis(at), lower(address))
      .run();
}

bool Store::sent_to(std::string_view message_id, std::string_view address) {
  if (message_id.empty())
    return false;
  auto s =
      db_.prepare("SELECT recipients FROM messages WHERE direction = 'out' AND message_id = ?");
  s.bind_all(message_id);
  const std::string wanted = lower(address);
  while (s.step()) {
    const std::string list = lower(s.text(0));
    std::size_t pos = 0;
    while (pos <= list.size()) {
      auto end = list.find(',', pos);
      if (end == std::string::npos)
        end = list.size();
      if (trim(std::string_view(list).substr(pos, end - pos)) == wanted)
        return true;
      pos = end + 1;
    }
  }
  return false;
}

std::vector<Store::FailingAddress> Store::failing_addresses() {
  std::vector<FailingAddress> out;
  auto s = db_.prepare(
      fmt::format("SELECT {} FROM failing_addresses ORDER BY at DESC", kFailingColumns));
  while (s.step())
    out.push_back(read_failing(s));
  return out;
}

}  // namespace relais::workflow

namespace relais::workflow {

std::optional<Store::HookCall> Store::hook_call(std::string_view hook, std::string_view key) {
  auto s = db_.prepare(
      "SELECT body_sha256, answer FROM hook_calls WHERE hook = ? AND idempotency_key = ?");
  s.bind_all(hook, key);
  if (!s.step())
    return std::nullopt;
  return HookCall{s.text(0), s.text(1)};
}

bool Store::first_hook_signature(std::string_view signature, TimePoint at,
                                 TimePoint forget_before) {
  db_.prepare("DELETE FROM hook_signatures WHERE at < ?").bind_all(to_millis(forget_before)).run();
  auto s = db_.prepare("SELECT 1 FROM hook_signatures WHERE signature = ?");
  s.bind_all(signature);
  if (s.step())
    return false;
  db_.prepare("INSERT INTO hook_signatures (signature, at) VALUES (?, ?)")
      .bind_all(signature, to_millis(at))
      .run();
  return true;
}

void Store::record_hook_call(std::string_view hook, std::string_view key, const HookCall& call,
                             TimePoint at, TimePoint forget_before) {
  db_.prepare("DELETE FROM hook_calls WHERE at < ?").bind_all(to_millis(forget_before)).run();
  db_.prepare(
         "INSERT OR IGNORE INTO hook_calls (hook, idempotency_key, body_sha256, answer, at) "
         "VALUES (?, ?, ?, ?, ?)")
      .bind_all(hook, key, call.body_sha256, call.answer, to_millis(at))
      .run();
}

}  // namespace relais::workflow
