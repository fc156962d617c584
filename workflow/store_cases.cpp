// Store: takedown cases, their evidence, matches, timers and links, and the blocked media.
// Same rules as the rest of the store: the caller holds the transaction; SQLite errors throw.
#include <fmt/format.h>

#include "workflow/store.hpp"

namespace relais::workflow {
namespace {

constexpr const char* kCaseColumns =
    "id, reference, state, version, origin, requester, requester_name, text, language, "
    "thread_id, email_confirmed, note, received_at, deadline_at, executed_at, answered_at, "
    "closed_at, erased_at, updated_at";

std::optional<TimePoint> optional_time(Statement& s, int column) {
  if (auto v = s.optional_int64(column))
    return from_millis(*v);
  return std::nullopt;
}

std::optional<std::int64_t> optional_millis(const std::optional<TimePoint>& t) {
  if (!t)
    return std::nullopt;
  return to_millis(*t);
}

TakedownCase read_case(Statement& s) {
  TakedownCase c;
  c.id = s.int64(0);
  c.reference = s.text(1);
  c.state = parse_case_state(s.text(2)).value_or(CaseState::received);
  c.version = s.int64(3);
  c.origin = s.text(4);
  c.requester = s.text(5);
  c.requester_name = s.text(6);
  c.text = s.text(7);
  c.language = s.text(8);
  c.thread_id = s.text(9);
  c.email_confirmed = s.int64(10) != 0;
  c.note = s.text(11);
  c.received_at = from_millis(s.int64(12));
  c.deadline_at = from_millis(s.int64(13));
  c.executed_at = optional_time(s, 14);
  c.answered_at = optional_time(s, 15);
  c.closed_at = optional_time(s, 16);
  c.erased_at = optional_time(s, 17);
  c.updated_at = from_millis(s.int64(18));
  return c;
}

constexpr const char* kMatchColumns =
    "id, case_id, request_id, media_id, basis, certain, distance, detail, confirmed_at, "
    "confirmed_by";

CaseMatch read_match(Statement& s) {
  CaseMatch m;
  m.id = s.int64(0);
  m.case_id = s.int64(1);
  m.request_id = s.int64(2);
  m.media_id = s.optional_int64(3);
  m.basis = s.text(4);
  m.certain = s.int64(5) != 0;
  if (auto d = s.optional_int64(6))
    m.distance = static_cast<int>(*d);
  m.detail = s.text(7);
  m.confirmed_at = optional_time(s, 8);
  m.confirmed_by = s.text(9);
  return m;
}

}  // namespace

std::string Store::next_case_reference(int year) {
  const std::string counter = fmt::format("case.{}", year);
  db_.prepare(
         "INSERT INTO counters (name, value) VALUES (?, 1) "
         "ON CONFLICT(name) DO UPDATE SET value = value + 1")
      .bind_all(counter)
      .run();
  auto s = db_.prepare("SELECT value FROM counters WHERE name = ?");
  s.bind_all(counter);
  s.step();
  return fmt::format("DI-{}-{:04}", year, s.int64(0));
}

std::int64_t Store::insert_case(const TakedownCase& c) {
  db_.prepare(
         "INSERT INTO takedown_cases (reference, state, version, origin, requester, "
         "requester_name, text, language, thread_id, email_confirmed, note, received_at, "
         "deadline_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(c.reference, to_string(c.state), c.version, c.origin, c.requester, c.requester_name,
                c.text, c.language, c.thread_id, c.email_confirmed ? 1 : 0, c.note,
                to_millis(c.received_at), to_millis(c.deadline_at), to_millis(c.updated_at))
      .run();
  return db_.last_insert_id();
}

std::optional<TakedownCase> Store::load_case(std::int64_t id) {
  auto s = db_.prepare(fmt::format("SELECT {} FROM takedown_cases WHERE id = ?", kCaseColumns));
  s.bind_all(id);
  if (!s.step())
    return std::nullopt;
  return read_case(s);
}

std::optional<TakedownCase> Store::find_case(std::string_view id_or_reference) {
  auto s = db_.prepare(fmt::format(
      "SELECT {} FROM takedown_cases WHERE reference = upper(?1) OR CAST(id AS TEXT) = ?1",
      kCaseColumns));
  s.bind(1, id_or_reference);
  if (!s.step())
    return std::nullopt;
  return read_case(s);
}

std::vector<TakedownCase> Store::list_cases(std::optional<CaseState> state, int limit) {
  std::vector<TakedownCase> out;
  auto s = db_.prepare(fmt::format(
      "SELECT {} FROM takedown_cases WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2",
      kCaseColumns));
  if (state)
    s.bind(1, to_string(*state));
  else
    s.bind(1, std::nullopt);
  s.bind(2, limit);
  while (s.step())
    out.push_back(read_case(s));
  return out;
}

std::optional<std::int64_t> Store::case_of_thread(std::string_view message_id) {
  if (message_id.empty())
    return std::nullopt;
  auto s = db_.prepare("SELECT id FROM takedown_cases WHERE thread_id = ? ORDER BY id LIMIT 1");
  s.bind_all(message_id);
  if (!s.step())
    return std::nullopt;
  return s.int64(0);
}

bool Store::save_case(const TakedownCase& c) {
  db_.prepare(
         "UPDATE takedown_cases SET state = ?, version = ?, requester = ?, requester_name = ?, "
         "text = ?, email_confirmed = ?, note = ?, executed_at = ?, answered_at = ?, "
         "closed_at = ?, erased_at = ?, updated_at = ? WHERE id = ? AND version = ?")
      .bind_all(to_string(c.state), c.version, c.requester, c.requester_name, c.text,
                c.email_confirmed ? 1 : 0, c.note, optional_millis(c.executed_at),
                optional_millis(c.answered_at), optional_millis(c.closed_at),
                optional_millis(c.erased_at), to_millis(c.updated_at), c.id, c.version - 1)
      .run();
  return db_.changes() == 1;
}

void Store::insert_case_evidence(std::int64_t case_id, int position, const MediaRow& file,
                                 bool compared) {
  auto s = db_.prepare(
      "INSERT INTO case_evidence (case_id, position, sha256, content_type, filename, size, "
      "phash, phash_mirror, compared) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind_all(case_id, position, file.sha256, file.content_type, file.filename, file.size);
  if (file.hashes)
    s.bind_all_from(7, to_stored(file.hashes->phash), to_stored(file.hashes->phash_mirror));
  else
    s.bind_all_from(7, std::nullopt, std::nullopt);
  s.bind(9, compared ? 1 : 0);
  s.run();
}

std::vector<MediaRow> Store::case_evidence(std::int64_t case_id) {
  std::vector<MediaRow> out;
  auto s = db_.prepare(
      "SELECT id, case_id, position, sha256, content_type, filename, size, phash, phash_mirror "
      "FROM case_evidence WHERE case_id = ? ORDER BY position");
  s.bind_all(case_id);
  while (s.step()) {
    MediaRow m{s.int64(0), s.int64(1), static_cast<int>(s.int64(2)), s.text(3), s.text(4),
               s.text(5),  s.int64(6)};
    if (!s.is_null(7))
      m.hashes = ImageHashes{from_stored(s.int64(7)), from_stored(s.int64(8)), 0, 0};
    out.push_back(std::move(m));
  }
  return out;
}

std::int64_t Store::insert_case_match(const CaseMatch& m) {
  std::optional<std::int64_t> distance;
  if (m.distance)
    distance = *m.distance;
  db_.prepare(
         "INSERT INTO case_matches (case_id, request_id, media_id, basis, certain, distance, "
         "detail, confirmed_at, confirmed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(m.case_id, m.request_id, m.media_id, m.basis, m.certain ? 1 : 0, distance, m.detail,
                optional_millis(m.confirmed_at), m.confirmed_by)
      .run();
  return db_.last_insert_id();
}

std::vector<CaseMatch> Store::case_matches(std::int64_t case_id) {
  std::vector<CaseMatch> out;
  auto s = db_.prepare(
      fmt::format("SELECT {} FROM case_matches WHERE case_id = ? ORDER BY id", kMatchColumns));
  s.bind_all(case_id);
  while (s.step())
    out.push_back(read_match(s));
  return out;
}

std::optional<CaseMatch> Store::load_case_match(std::int64_t id) {
  auto s = db_.prepare(fmt::format("SELECT {} FROM case_matches WHERE id = ?", kMatchColumns));
  s.bind_all(id);
  if (!s.step())
    return std::nullopt;
  return read_match(s);
}

void Store::confirm_case_match(std::int64_t match_id, const std::string& by, TimePoint at) {
  db_.prepare(
         "UPDATE case_matches SET confirmed_at = ?, confirmed_by = ? WHERE id = ? AND "
         "confirmed_at IS NULL")
      .bind_all(to_millis(at), by, match_id)
      .run();
}

std::vector<std::int64_t> Store::cases_waiting_on(std::int64_t request_id) {
  std::vector<std::int64_t> out;
  auto s = db_.prepare(
      "SELECT DISTINCT c.id FROM case_matches m JOIN takedown_cases c ON c.id = m.case_id "
      "WHERE m.request_id = ? AND m.confirmed_at IS NOT NULL AND c.state = 'matched' "
      "ORDER BY c.id");
  s.bind_all(request_id);
  while (s.step())
    out.push_back(s.int64(0));
  return out;
}

void Store::replace_case_timers(std::int64_t case_id, const std::vector<CaseTimerRow>& timers) {
  db_.prepare("DELETE FROM case_timers WHERE case_id = ?").bind_all(case_id).run();
  for (const auto& t : timers) {
    db_.prepare("INSERT INTO case_timers (case_id, event, due_at) VALUES (?, ?, ?)")
        .bind_all(case_id, to_string(t.kind), to_millis(t.due_at))
        .run();
  }
}

std::vector<CaseTimerRow> Store::claim_case_timers(TimePoint now, TimePoint lease_until,
                                                   int limit) {
  std::vector<CaseTimerRow> out;
  auto s = db_.prepare(
      "SELECT id, case_id, event, due_at FROM case_timers WHERE due_at <= ?1 AND "
      "lease_until <= ?1 ORDER BY due_at, id LIMIT ?2");
  s.bind(1, to_millis(now)).bind(2, limit);
  while (s.step()) {
    out.push_back({s.int64(0), s.int64(1),
                   parse_case_timer(s.text(2)).value_or(CaseTimerKind::reminder),
                   from_millis(s.int64(3))});
  }
  for (auto& t : out) {
    db_.prepare("UPDATE case_timers SET lease_until = ? WHERE id = ?")
        .bind_all(to_millis(lease_until), t.id)
        .run();
  }
  return out;
}

void Store::delete_case_timer(std::int64_t id) {
  db_.prepare("DELETE FROM case_timers WHERE id = ?").bind_all(id).run();
}

void Store::insert_case_token(const CaseTokenRow& t) {
  db_.prepare(
         "INSERT INTO case_tokens (hash, case_id, match_id, purpose, recipient, version, "
         "expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(t.hash, t.case_id, t.match_id, t.purpose, t.recipient, t.version,
                to_millis(t.expires_at), to_millis(t.created_at))
      .run();
}

std::optional<CaseTokenRow> Store::find_case_token(std::string_view hash) {
  auto s = db_.prepare(
      "SELECT id, hash, case_id, match_id, purpose, recipient, version, expires_at, used_at "
      "FROM case_tokens WHERE hash = ?");
  s.bind_all(hash);
  if (!s.step())
    return std::nullopt;
  CaseTokenRow t;
  t.id = s.int64(0);
  t.hash = s.text(1);
  t.case_id = s.int64(2);
  t.match_id = s.optional_int64(3);
  t.purpose = s.text(4);
  t.recipient = s.text(5);
  t.version = s.int64(6);
  t.expires_at = from_millis(s.int64(7));
  t.used_at = optional_time(s, 8);
  return t;
}

bool Store::use_case_token(std::int64_t id, TimePoint at) {
  db_.prepare("UPDATE case_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL")
      .bind_all(to_millis(at), id)
      .run();
  return db_.changes() == 1;
}

void Store::block_media(const MediaRow& m, std::int64_t case_id, TimePoint at) {
  std::optional<std::int64_t> phash;
  if (m.hashes)
    phash = to_stored(m.hashes->phash);
  db_.prepare(
         "INSERT INTO blocked_media (sha256, phash, case_id, media_id, at) "
         "SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM blocked_media WHERE "
         "sha256 = ?1 AND case_id = ?3)")
      .bind_all(m.sha256, phash, case_id, m.id ? std::optional<std::int64_t>(m.id) : std::nullopt,
                to_millis(at))
      .run();
}

std::optional<std::string> Store::blocking_case(std::string_view sha256,
                                                const std::optional<ImageHashes>& hashes,
                                                int max_distance) {
  auto s = db_.prepare(
      "SELECT b.sha256, b.phash, IFNULL(c.reference, '') FROM blocked_media b "
      "LEFT JOIN takedown_cases c ON c.id = b.case_id ORDER BY b.id");
  while (s.step()) {
    if (s.text(0) == sha256)
      return s.text(2);
    if (hashes && !s.is_null(1)) {
      const ImageHashes blocked{from_stored(s.int64(1)), from_stored(s.int64(1)), 0, 0};
      if (image_distance(*hashes, blocked) <= max_distance ||
          hamming_distance(hashes->phash_mirror, blocked.phash) <= max_distance)
        return s.text(2);
    }
  }
  return std::nullopt;
}

std::vector<Store::PublicMedia> Store::public_media() {
  std::vector<PublicMedia> out;
  auto s = db_.prepare(fmt::format(
      "SELECT {}, r.state FROM media JOIN requests r ON r.id = media.request_id "
      "WHERE media.dropped = 0 AND r.state IN ('scheduled', 'publishing', 'published', "
      "'failed', 'taken_down') ORDER BY media.id",
      "media.id, media.request_id, media.position, media.sha256, media.content_type, "
      "media.filename, media.size, media.phash, media.phash_mirror, media.width, media.height"));
  while (s.step()) {
    PublicMedia p{read_media_row(s), parse_state(s.text(11)).value_or(State::published)};
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::int64_t> Store::requests_with_post_url(std::string_view url) {
  std::vector<std::int64_t> out;
  auto s = db_.prepare(
      "SELECT DISTINCT request_id FROM request_channels WHERE url = ? AND url <> '' "
      "ORDER BY request_id");
  s.bind_all(url);
  while (s.step())
    out.push_back(s.int64(0));
  return out;
}

std::vector<std::int64_t> Store::recent_publications(int limit) {
  std::vector<std::int64_t> out;
  auto s = db_.prepare(
      "SELECT id FROM requests WHERE state = 'published' ORDER BY updated_at DESC, id DESC "
      "LIMIT ?");
  s.bind_all(limit);
  while (s.step())
    out.push_back(s.int64(0));
  return out;
}

}  // namespace relais::workflow
