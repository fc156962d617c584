// Store: inbound/outbound messages (each also a row of the audit record), media rows, link
// tokens and the quarantine. SQLite failures throw SqliteError; the caller rolls back.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "workflow/store.hpp"

namespace relais::workflow {
namespace {

// "a@b,c@d" -> ["a@b", "c@d"]: the stored list is comma-joined addr-specs.
boost::json::array recipient_list(std::string_view recipients) {
  boost::json::array out;
  while (!recipients.empty()) {
    const auto comma = recipients.find(',');
    auto item = recipients.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (!item.empty())
      out.emplace_back(item);
    if (comma == std::string_view::npos)
      break;
    recipients.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::optional<InboundMessage> Store::find_inbound(std::string_view sha256,
                                                  std::string_view message_id) {
  auto s = db_.prepare(
      "SELECT sha256, message_id, request_id, kind, sender, recipients, at FROM messages "
      "WHERE direction = 'in' AND (sha256 = ?1 OR (?2 <> '' AND message_id = ?2)) "
      "ORDER BY id LIMIT 1");
  s.bind(1, sha256).bind(2, message_id);
  if (!s.step())
    return std::nullopt;
  return InboundMessage{s.text(0), s.text(1), s.optional_int64(2),    s.text(3),
                        s.text(4), s.text(5), from_millis(s.int64(6))};
}

void Store::insert_inbound(const InboundMessage& m) {
  db_.prepare(
         "INSERT INTO messages (direction, sha256, message_id, request_id, kind, sender, "
         "recipients, at) VALUES ('in', ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(m.sha256, m.message_id, m.request_id, m.kind, m.sender, m.recipients,
                to_millis(m.at))
      .run();
  // The record holds the addresses (it is the proof of who wrote what); logs never do.
  AuditRow row;
  row.kind = "mail_in";
  row.request_id = m.request_id.value_or(0);
  row.event = m.kind;
  row.actor = m.sender;
  row.source = "mail:" + m.message_id;
  row.detail = boost::json::serialize(
      boost::json::object{{"sha256", m.sha256}, {"recipients", recipient_list(m.recipients)}});
  row.at = m.at;
  append_audit(row);
}

void Store::insert_outbound(std::string_view message_id, std::optional<std::int64_t> request_id,
                            std::string_view kind, std::string_view recipients, TimePoint at,
                            std::string_view token_hash) {
  db_.prepare(
         "INSERT INTO messages (direction, message_id, request_id, kind, recipients, at, "
         "token_hash) VALUES ('out', ?, ?, ?, ?, ?, NULLIF(?, ''))")
      .bind_all(message_id, request_id, kind, recipients, to_millis(at), token_hash)
      .run();
  AuditRow row;
  row.kind = "mail_out";
  row.request_id = request_id.value_or(0);
  row.event = std::string(kind);
  row.actor = "relais";
  row.source = fmt::format("mail:{}", message_id);
  row.detail =
      boost::json::serialize(boost::json::object{{"recipients", recipient_list(recipients)}});
  row.at = at;
  append_audit(row);
}

std::optional<std::int64_t> Store::request_of_message(std::string_view message_id) {
  if (message_id.empty())
    return std::nullopt;
  auto s = db_.prepare(
      "SELECT request_id FROM messages WHERE message_id = ? AND request_id IS NOT NULL "
      "ORDER BY id LIMIT 1");
  s.bind_all(message_id);
  if (!s.step())
    return std::nullopt;
  return s.int64(0);
}

std::int64_t Store::insert_media(const MediaRow& m) {
  auto s = db_.prepare(
      "INSERT INTO media (request_id, position, sha256, content_type, filename, size, phash, "
      "phash_mirror, width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind_all(m.request_id, m.position, m.sha256, m.content_type, m.filename, m.size);
  if (m.hashes) {
    s.bind_all_from(7, to_stored(m.hashes->phash), to_stored(m.hashes->phash_mirror),
                    m.hashes->width, m.hashes->height);
  }
  s.run();
  return db_.last_insert_id();
}

MediaRow read_media_row(Statement& s) {
  MediaRow m{s.int64(0), s.int64(1), static_cast<int>(s.int64(2)), s.text(3), s.text(4),
             s.text(5),  s.int64(6)};
  if (!s.is_null(7)) {
    m.hashes = ImageHashes{from_stored(s.int64(7)), from_stored(s.int64(8)),
                           static_cast<int>(s.int64(9)), static_cast<int>(s.int64(10))};
  }
  return m;
}

std::vector<MediaRow> Store::media_of(std::int64_t request_id) {
  std::vector<MediaRow> out;
  auto s =
      db_.prepare(fmt::format("SELECT {} FROM media WHERE request_id = ? AND dropped = 0 "
                              "ORDER BY position",
                              kMediaColumns));
  s.bind_all(request_id);
  while (s.step())
    out.push_back(read_media_row(s));
  return out;
}

void Store::drop_media(std::int64_t media_id) {
  db_.prepare("UPDATE media SET dropped = 1 WHERE id = ?").bind_all(media_id).run();
}

std::unordered_set<std::string> Store::referenced_blobs() {
  std::unordered_set<std::string> out;
  auto s = db_.prepare(
      "SELECT sha256 FROM messages WHERE sha256 IS NOT NULL "
      "UNION SELECT sha256 FROM media WHERE purged_at IS NULL "
      "UNION SELECT sha256 FROM quarantine "
      "UNION SELECT sha256 FROM case_evidence WHERE case_id NOT IN "
      "(SELECT id FROM takedown_cases WHERE erased_at IS NOT NULL) "
      "UNION SELECT evidence_sha256 FROM consents WHERE evidence_sha256 <> ''");
  while (s.step())
    out.insert(s.text(0));
  return out;
}

void Store::insert_token(const TokenRow& t) {
  db_.prepare(
         "INSERT INTO tokens (hash, request_id, recipient, actions, version, expires_at, "
         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind_all(t.hash, t.request_id, t.recipient, t.actions, t.version, to_millis(t.expires_at),
                to_millis(now_ms()))
      .run();
}

std::optional<TokenRow> Store::find_token(std::string_view hash) {
  auto s = db_.prepare(
      "SELECT id, hash, request_id, recipient, actions, version, expires_at, used_at, used_for "
      "FROM tokens WHERE hash = ?");
  s.bind_all(hash);
  if (!s.step())
    return std::nullopt;
  TokenRow t{s.int64(0),
             s.text(1),
             s.int64(2),
             s.text(3),
             s.text(4),
             s.int64(5),
             from_millis(s.int64(6)),
             std::nullopt,
             s.text(8)};
  if (auto u = s.optional_int64(7))
    t.used_at = from_millis(*u);
  return t;
}

bool Store::use_token(std::int64_t id, TimePoint at, std::string_view used_for) {
  db_.prepare("UPDATE tokens SET used_at = ?, used_for = ? WHERE id = ? AND used_at IS NULL")
      .bind_all(to_millis(at), used_for, id)
      .run();
  return db_.changes() == 1;
}

void Store::insert_quarantine(const QuarantineRow& q) {
  db_.prepare("INSERT INTO quarantine (sha256, size, reason, remote, at) VALUES (?, ?, ?, ?, ?)")
      .bind_all(q.sha256, q.size, q.reason, q.remote, to_millis(q.at))
      .run();
}

std::vector<QuarantineRow> Store::list_quarantine() {
  std::vector<QuarantineRow> out;
  auto s = db_.prepare("SELECT id, sha256, size, reason, remote, at FROM quarantine ORDER BY id");
  while (s.step()) {
    out.push_back(
        {s.int64(0), s.text(1), s.int64(2), s.text(3), s.text(4), from_millis(s.int64(5))});
  }
  return out;
}

}  // namespace relais::workflow
