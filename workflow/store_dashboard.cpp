// Store: the dashboard's login links, sessions and calendar feeds (schema v8). Only hashes of
// the tokens are kept. The caller holds the transaction; SQLite failures throw SqliteError.
#include "workflow/ascii.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {

void Store::insert_login(std::string_view token_sha256, std::string_view address, TimePoint at,
                         TimePoint expires_at) {
  db_.prepare(
         "INSERT INTO dashboard_logins (token_sha256, address, created_at, expires_at) VALUES "
         "(?, ?, ?, ?)")
      .bind_all(token_sha256, lower(address), to_millis(at), to_millis(expires_at))
      .run();
}

std::optional<std::string> Store::use_login(std::string_view token_sha256, TimePoint at) {
  db_.prepare(
         "UPDATE dashboard_logins SET used_at = ?2 WHERE token_sha256 = ?1 AND used_at IS NULL "
         "AND expires_at > ?2")
      .bind_all(token_sha256, to_millis(at))
      .run();
  if (db_.changes() != 1)
    return std::nullopt;
  auto s = db_.prepare("SELECT address FROM dashboard_logins WHERE token_sha256 = ?");
  s.bind_all(token_sha256);
  if (!s.step())
    return std::nullopt;
  return s.text(0);
}

void Store::insert_session(std::string_view token_sha256, const DashboardSession& d, TimePoint at) {
  db_.prepare(
         "INSERT INTO dashboard_sessions (token_sha256, address, csrf, created_at, expires_at) "
         "VALUES (?, ?, ?, ?, ?)")
      .bind_all(token_sha256, lower(d.address), d.csrf, to_millis(at), to_millis(d.expires_at))
      .run();
}

std::optional<Store::DashboardSession> Store::find_session(std::string_view token_sha256,
                                                           TimePoint at) {
  auto s = db_.prepare(
      "SELECT address, csrf, expires_at FROM dashboard_sessions WHERE token_sha256 = ? AND "
      "ended_at IS NULL AND expires_at > ?");
  s.bind_all(token_sha256, to_millis(at));
  if (!s.step())
    return std::nullopt;
  return DashboardSession{s.text(0), s.text(1), from_millis(s.int64(2))};
}

void Store::end_session(std::string_view token_sha256, TimePoint at) {
  db_.prepare(
         "UPDATE dashboard_sessions SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL")
      .bind_all(to_millis(at), token_sha256)
      .run();
}

void Store::prune_dashboard(TimePoint before) {
  db_.prepare("DELETE FROM dashboard_logins WHERE expires_at < ?")
      .bind_all(to_millis(before))
      .run();
  db_.prepare("DELETE FROM dashboard_sessions WHERE expires_at < ?1 OR ended_at < ?1")
      .bind_all(to_millis(before))
      .run();
}

int Store::calendar_generation(std::string_view address) {
  auto s = db_.prepare("SELECT generation FROM calendar_feeds WHERE address = ?");
  s.bind_all(lower(address));
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

int Store::next_calendar_generation(std::string_view address, TimePoint at) {
  db_.prepare(
         "INSERT INTO calendar_feeds (address, generation, at) VALUES (?1, 1, ?2) ON "
         "CONFLICT(address) DO UPDATE SET generation = generation + 1, at = ?2")
      .bind_all(lower(address), to_millis(at))
      .run();
  return calendar_generation(address);
}

}  // namespace relais::workflow
