// Store: the consent registry (persons, consents, who appears in what). Each change and its
// audit row are written in the caller's transaction; SQLite failures throw SqliteError.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "workflow/ascii.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {
namespace {

// Names compare without case and without extra spaces. Besides ASCII, the Latin-1 capitals
// (À..Þ, UTF-8 C3 80..C3 9E, × excepted) and Œ fold, which covers French names; other scripts
// compare as typed.
std::string fold_name(std::string_view name) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    if (c == 0xC3 && i + 1 < name.size()) {
      auto next = static_cast<unsigned char>(name[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97)
        next += 0x20;
      out += static_cast<char>(c);
      out += static_cast<char>(next);
      ++i;
    } else if (c == 0xC5 && i + 1 < name.size() &&
               static_cast<unsigned char>(name[i + 1]) == 0x92) {
      out += "\xC5\x93";
      ++i;
    } else {
      out += ascii_lower(static_cast<char>(c));
    }
  }
  return out;
}

std::optional<std::int64_t> millis(const std::optional<TimePoint>& t) {
  return t ? std::optional<std::int64_t>(to_millis(*t)) : std::nullopt;
}
std::optional<TimePoint> time_of(const std::optional<std::int64_t>& ms) {
  return ms ? std::optional<TimePoint>(from_millis(*ms)) : std::nullopt;
}

constexpr const char* kPersonColumns = "id, name, email, note, created_at";

PersonRow read_person(Statement& s) {
  return {s.int64(0), s.text(1), s.text(2), s.text(3), from_millis(s.int64(4))};
}

constexpr const char* kConsentColumns =
    "id, person_id, scope, request_id, valid_from, expires_at, evidence_sha256, evidence_name, "
    "given_at, revoked_at, revoked_by, minor, note, created_at";

ConsentRow read_consent(Statement& s) {
  ConsentRow c;
  c.id = s.int64(0);
  c.person_id = s.int64(1);
  c.scope = parse_consent_scope(s.text(2)).value_or(ConsentScope::period);
  c.request_id = s.optional_int64(3);
  c.valid_from = time_of(s.optional_int64(4));
  c.expires_at = time_of(s.optional_int64(5));
  c.evidence_sha256 = s.text(6);
  c.evidence_name = s.text(7);
  c.given_at = from_millis(s.int64(8));
  c.revoked_at = time_of(s.optional_int64(9));
  c.revoked_by = s.text(10);
  c.minor = s.int64(11) != 0;
  c.note = s.text(12);
  c.created_at = from_millis(s.int64(13));
  return c;
}

void record(Store& store, std::string_view event, std::int64_t request_id, const std::string& actor,
            const std::string& source, const boost::json::object& detail, TimePoint at) {
  AuditRow row;
  row.kind = "consent";
  row.request_id = request_id;
  row.event = std::string(event);
  row.actor = actor;
  row.source = source;
  row.detail = boost::json::serialize(detail);
  row.at = at;
  store.append_audit(row);
}

}  // namespace

std::int64_t Store::add_person(const PersonRow& p, const std::string& actor,
                               const std::string& source) {
  db_.prepare("INSERT INTO persons (name, email, note, created_at) VALUES (?, ?, ?, ?)")
      .bind_all(p.name, lower(p.email), p.note, to_millis(p.created_at))
      .run();
  const auto id = db_.last_insert_id();
  record(*this, "person_added", 0, actor, source, {{"person", id}}, p.created_at);
  return id;
}

std::optional<PersonRow> Store::load_person(std::int64_t id) {
  auto s = db_.prepare(fmt::format("SELECT {} FROM persons WHERE id = ?", kPersonColumns));
  s.bind_all(id);
  if (!s.step())
    return std::nullopt;
  return read_person(s);
}

std::optional<PersonRow> Store::find_person_by_email(std::string_view email) {
  if (email.empty())
    return std::nullopt;
  auto s = db_.prepare(
      fmt::format("SELECT {} FROM persons WHERE email = ? ORDER BY id LIMIT 1", kPersonColumns));
  s.bind_all(lower(email));
  if (!s.step())
    return std::nullopt;
  return read_person(s);
}

std::vector<PersonRow> Store::find_persons_by_name(std::string_view name) {
  // The registry is small (people photographed by one organisation), and SQLite's lower()
  // knows only ASCII: the comparison is done here.
  const auto wanted = fold_name(name);
  std::vector<PersonRow> out;
  auto s = db_.prepare(fmt::format("SELECT {} FROM persons ORDER BY id", kPersonColumns));
  while (s.step()) {
    if (fold_name(s.text(1)) == wanted)
      out.push_back(read_person(s));
  }
  return out;
}

std::vector<std::pair<std::int64_t, std::string>> Store::persons_named_in(
    std::string_view text, std::string_view address) {
  const auto folded = fold_name(text);
  const auto wanted_address = lower(address);
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto s = db_.prepare(fmt::format("SELECT {} FROM persons ORDER BY id", kPersonColumns));
  while (s.step()) {
    const auto p = read_person(s);
    const auto name = fold_name(p.name);
    if (!wanted_address.empty() && lower(p.email) == wanted_address)
      out.emplace_back(p.id, "email");
    else if (name.size() >= 5 && folded.find(name) != std::string::npos)
      out.emplace_back(p.id, "name");
  }
  return out;
}

std::int64_t Store::add_consent(const ConsentRow& c, const std::string& actor,
                                const std::string& source) {
  db_.prepare(
         "INSERT INTO consents (person_id, scope, request_id, valid_from, expires_at, "
         "evidence_sha256, evidence_name, given_at, minor, note, created_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(c.person_id, to_string(c.scope), c.request_id, millis(c.valid_from),
                millis(c.expires_at), c.evidence_sha256, c.evidence_name, to_millis(c.given_at),
                c.minor ? 1 : 0, c.note, to_millis(c.created_at))
      .run();
  const auto id = db_.last_insert_id();
  boost::json::object detail{
      {"consent", id}, {"person", c.person_id}, {"scope", to_string(c.scope)}, {"minor", c.minor}};
  if (c.valid_from)
    detail["valid_from"] = to_millis(*c.valid_from);
  if (c.expires_at)
    detail["expires_at"] = to_millis(*c.expires_at);
  if (!c.evidence_sha256.empty())
    detail["evidence_sha256"] = c.evidence_sha256;
  record(*this, "consent_added", c.request_id.value_or(0), actor, source, detail, c.created_at);
  return id;
}

std::optional<ConsentRow> Store::load_consent(std::int64_t id) {
  auto s = db_.prepare(fmt::format("SELECT {} FROM consents WHERE id = ?", kConsentColumns));
  s.bind_all(id);
  if (!s.step())
    return std::nullopt;
  return read_consent(s);
}

std::vector<ConsentRow> Store::list_consents(std::optional<std::int64_t> person_id) {
  std::vector<ConsentRow> out;
  auto s = db_.prepare(fmt::format(
      "SELECT {} FROM consents WHERE ?1 IS NULL OR person_id = ?1 ORDER BY id", kConsentColumns));
  s.bind(1, person_id);
  while (s.step())
    out.push_back(read_consent(s));
  return out;
}

bool Store::revoke_consent(std::int64_t id, const std::string& by, const std::string& source,
                           TimePoint at) {
  const auto c = load_consent(id);
  if (!c || c->revoked_at)
    return false;
  db_.prepare("UPDATE consents SET revoked_at = ?, revoked_by = ? WHERE id = ?")
      .bind_all(to_millis(at), by, id)
      .run();
  record(*this, "consent_revoked", c->request_id.value_or(0), by, source,
         {{"consent", id}, {"person", c->person_id}}, at);
  return true;
}

void Store::add_consent_note(std::int64_t id, std::string_view line, const std::string& actor,
                             const std::string& source, TimePoint at) {
  db_.prepare(
         "UPDATE consents SET note = CASE WHEN note = '' THEN ?1 ELSE note || char(10) || ?1 END "
         "WHERE id = ?2")
      .bind_all(line, id)
      .run();
  if (db_.changes() == 1)
    record(*this, "consent_noted", 0, actor, source, {{"consent", id}}, at);
}

bool Store::link_person(const PersonMediaRow& link, const std::string& actor) {
  db_.prepare(
         "INSERT OR IGNORE INTO person_media (person_id, request_id, media_id, source, at) "
         "VALUES (?, ?, ?, ?, ?)")
      .bind_all(link.person_id, link.request_id, link.media_id, link.source, to_millis(link.at))
      .run();
  if (db_.changes() != 1)
    return false;
  boost::json::object detail{{"person", link.person_id}};
  if (link.media_id)
    detail["media"] = *link.media_id;
  record(*this, "person_linked", link.request_id, actor, link.source, detail, link.at);
  return true;
}

std::vector<std::int64_t> Store::requests_of_person(std::int64_t person_id) {
  std::vector<std::int64_t> out;
  auto s = db_.prepare(
      "SELECT DISTINCT request_id FROM person_media WHERE person_id = ? ORDER BY request_id");
  s.bind_all(person_id);
  while (s.step())
    out.push_back(s.int64(0));
  return out;
}

}  // namespace relais::workflow
