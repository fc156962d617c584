// Store: opening, migrations, transactions, and the requests with their channels.
#include "workflow/store.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <unordered_map>

#include "workflow/migrations.hpp"

namespace relais::workflow {

std::int64_t to_millis(TimePoint t) {
  return t.time_since_epoch().count();
}
TimePoint from_millis(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

namespace {

std::string findings_to_json(const std::vector<Finding>& findings) {
  boost::json::array a;
  for (const auto& f : findings) {
    a.push_back({{"code", f.code}, {"severity", to_string(f.severity)}, {"message", f.message}});
  }
  return boost::json::serialize(a);
}

// The objects of a stored JSON array; a damaged column reads as empty, never throws.
std::vector<boost::json::object> objects_of(const std::string& s) {
  std::vector<boost::json::object> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  if (ec || !v.is_array())
    return out;
  for (auto& item : v.as_array())
    if (item.is_object())
      out.push_back(std::move(item.as_object()));
  return out;
}

std::vector<Finding> findings_from_json(const std::string& s) {
  std::vector<Finding> out;
  for (const auto& o : objects_of(s)) {
    Finding f;
    if (auto* p = o.if_contains("code"); p && p->is_string())
      f.code = p->as_string();
    if (auto* p = o.if_contains("message"); p && p->is_string())
      f.message = p->as_string();
    if (auto* p = o.if_contains("severity"); p && p->is_string()) {
      f.severity = parse_severity(std::string_view(p->as_string())).value_or(Severity::info);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string declaration_to_json(const Declaration& d) {
  boost::json::array networks;
  for (const auto& n : d.networks)
    networks.emplace_back(n);
  return boost::json::serialize(boost::json::object{{"people", d.people},
                                                    {"consent", d.consent},
                                                    {"event_date", d.event_date},
                                                    {"networks", std::move(networks)}});
}

std::string text_of(const boost::json::object& o, std::string_view key) {
  auto* p = o.if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

Declaration declaration_from_json(const std::string& s) {
  Declaration d;
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  if (ec || !v.is_object())
    return d;
  const auto& o = v.as_object();
  d.people = text_of(o, "people");
  d.consent = text_of(o, "consent");
  d.event_date = text_of(o, "event_date");
  if (auto* n = o.if_contains("networks"); n && n->is_array()) {
    for (const auto& item : n->as_array())
      if (item.is_string())
        d.networks.emplace_back(item.as_string());
  }
  return d;
}

std::string overrides_to_json(const std::vector<FindingOverride>& overrides) {
  boost::json::array a;
  for (const auto& o : overrides) {
    a.push_back(
        {{"code", o.code}, {"reason", o.reason}, {"actor", o.actor}, {"at", to_millis(o.at)}});
  }
  return boost::json::serialize(a);
}

std::vector<FindingOverride> overrides_from_json(const std::string& s) {
  std::vector<FindingOverride> out;
  for (const auto& o : objects_of(s)) {
    FindingOverride f{text_of(o, "code"), text_of(o, "reason"), text_of(o, "actor"), {}};
    if (auto* at = o.if_contains("at"); at && at->is_int64())
      f.at = from_millis(at->as_int64());
    out.push_back(std::move(f));
  }
  return out;
}

constexpr const char* kRequestColumns =
    "id, reference, state, version, sender, sender_name, subject, text, author, language, "
    "thread_id, publish_at, findings, note, created_at, updated_at, declaration, overrides";

Request read_request(Statement& s) {
  Request r;
  r.id = s.int64(0);
  r.reference = s.text(1);
  r.state = parse_state(s.text(2)).value_or(State::initial);
  r.version = s.int64(3);
  r.sender = s.text(4);
  r.sender_name = s.text(5);
  r.subject = s.text(6);
  r.text = s.text(7);
  r.author = s.text(8);
  r.language = s.text(9);
  r.thread_id = s.text(10);
  if (auto p = s.optional_int64(11))
    r.publish_at = from_millis(*p);
  r.findings = findings_from_json(s.text(12));
  r.note = s.text(13);
  r.created_at = from_millis(s.int64(14));
  r.updated_at = from_millis(s.int64(15));
  r.declaration = declaration_from_json(s.text(16));
  r.overrides = overrides_from_json(s.text(17));
  return r;
}

std::optional<std::int64_t> publish_millis(const Request& r) {
  if (!r.publish_at)
    return std::nullopt;
  return to_millis(*r.publish_at);
}

}  // namespace

Store::Store(const std::filesystem::path& file, Database::Mode mode) : db_(file, mode) {}

std::int64_t Store::data_version() {
  auto s = db_.prepare("PRAGMA data_version");
  s.step();
  return s.int64(0);
}

int Store::schema_version() {
  auto s = db_.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  s.step();
  if (s.int64(0) == 0)
    return 0;
  auto v = db_.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  v.step();
  return static_cast<int>(v.int64(0));
}

void Store::migrate() {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at INTEGER NOT NULL)");
  const int current = schema_version();
  for (const auto& m : sqlite_migrations()) {
    if (m.version <= current)
      continue;
    begin();
    try {
      db_.exec(m.sql);
      db_.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)")
          .bind_all(m.version, m.name, to_millis(now_ms()))
          .run();
      commit();
    } catch (...) {
      rollback();
      throw;
    }
  }
}

void Store::begin() {
  db_.exec("BEGIN IMMEDIATE");
}
void Store::commit() {
  db_.exec("COMMIT");
}
void Store::rollback() {
  db_.exec("ROLLBACK");
}
void Store::savepoint(std::string_view name) {
  db_.exec(fmt::format("SAVEPOINT {}", name));
}
void Store::release(std::string_view name) {
  db_.exec(fmt::format("RELEASE {}", name));
}
void Store::rollback_to(std::string_view name) {
  db_.exec(fmt::format("ROLLBACK TO {0}; RELEASE {0}", name));
}

std::string Store::next_reference(int year) {
  const std::string counter = fmt::format("reference.{}", year);
  db_.prepare(
         "INSERT INTO counters (name, value) VALUES (?, 1) "
         "ON CONFLICT(name) DO UPDATE SET value = value + 1")
      .bind_all(counter)
      .run();
  auto s = db_.prepare("SELECT value FROM counters WHERE name = ?");
  s.bind_all(counter);
  s.step();
  return fmt::format("PUB-{}-{:04}", year, s.int64(0));
}

namespace {

void save_channels(Database& db, const Request& r) {
  db.prepare("DELETE FROM request_channels WHERE request_id = ?").bind_all(r.id).run();
  int position = 0;
  for (const auto& c : r.channels) {
    db.prepare(
          "INSERT INTO request_channels (request_id, channel, position, status, post_id, url, "
          "error) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind_all(r.id, c.channel, position++, to_string(c.status), c.post_id, c.url, c.error)
        .run();
  }
}

void load_channels(Database& db, Request& r) {
  auto s = db.prepare(
      "SELECT channel, status, post_id, url, error FROM request_channels WHERE request_id = ? "
      "ORDER BY position");
  s.bind_all(r.id);
  while (s.step()) {
    r.channels.push_back({s.text(0),
                          parse_channel_status(s.text(1)).value_or(ChannelStatus::pending),
                          s.text(2), s.text(3), s.text(4)});
  }
}

// The channels of many requests in one query (a list page): rows by request, in position order.
void load_channels(Database& db, std::vector<Request>& requests) {
  if (requests.empty())
    return;
  std::string ids = "[";
  std::unordered_map<std::int64_t, Request*> by_id;
  for (auto& r : requests) {
    ids += (ids.size() > 1 ? "," : "") + std::to_string(r.id);
    by_id[r.id] = &r;
  }
  ids += "]";
  auto s = db.prepare(
      "SELECT request_id, channel, status, post_id, url, error FROM request_channels WHERE "
      "request_id IN (SELECT value FROM json_each(?)) ORDER BY request_id, position");
  s.bind_all(ids);
  while (s.step()) {
    auto it = by_id.find(s.int64(0));
    if (it == by_id.end())
      continue;
    it->second->channels.push_back(
        {s.text(1), parse_channel_status(s.text(2)).value_or(ChannelStatus::pending), s.text(3),
         s.text(4), s.text(5)});
  }
}

}  // namespace

std::int64_t Store::insert_request(const Request& r) {
  db_.prepare(
         "INSERT INTO requests (reference, state, version, sender, sender_name, subject, text, "
         "author, language, thread_id, publish_at, findings, note, created_at, updated_at, "
         "declaration, overrides) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(r.reference, to_string(r.state), r.version, r.sender, r.sender_name, r.subject,
                r.text, r.author, r.language, r.thread_id, publish_millis(r),
                findings_to_json(r.findings), r.note, to_millis(r.created_at),
                to_millis(r.updated_at), declaration_to_json(r.declaration),
                overrides_to_json(r.overrides))
      .run();
  Request stored = r;
  stored.id = db_.last_insert_id();
  save_channels(db_, stored);
  return stored.id;
}

std::optional<Request> Store::load_request(std::int64_t id) {
  auto s = db_.prepare(fmt::format("SELECT {} FROM requests WHERE id = ?", kRequestColumns));
  s.bind_all(id);
  if (!s.step())
    return std::nullopt;
  Request r = read_request(s);
  load_channels(db_, r);
  return r;
}

std::optional<Request> Store::find_request(std::string_view key) {
  if (!key.empty() && key.find_first_not_of("0123456789") == std::string_view::npos &&
      key.size() < 18) {
    return load_request(std::stoll(std::string(key)));
  }
  auto s = db_.prepare("SELECT id FROM requests WHERE reference = ? COLLATE NOCASE");
  s.bind_all(key);
  if (!s.step())
    return std::nullopt;
  return load_request(s.int64(0));
}

bool Store::save_request(const Request& r) {
  db_.prepare(
         "UPDATE requests SET state = ?, version = ?, subject = ?, text = ?, author = ?, "
         "publish_at = ?, findings = ?, note = ?, updated_at = ?, declaration = ?, overrides = ? "
         "WHERE id = ? AND version = ?")
      .bind_all(to_string(r.state), r.version, r.subject, r.text, r.author, publish_millis(r),
                findings_to_json(r.findings), r.note, to_millis(r.updated_at),
                declaration_to_json(r.declaration), overrides_to_json(r.overrides), r.id,
                r.version - 1)
      .run();
  if (db_.changes() != 1)
    return false;
  save_channels(db_, r);
  return true;
}

std::vector<Request> Store::list_requests(std::optional<State> state, int limit) {
  std::vector<Request> out;
  auto s = db_.prepare(fmt::format(
      "SELECT {} FROM requests WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?2",
      kRequestColumns));
  if (state) {
    s.bind(1, to_string(*state));
  } else {
    s.bind(1, std::nullopt);
  }
  s.bind(2, limit);
  while (s.step())
    out.push_back(read_request(s));
  load_channels(db_, out);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> Store::count_by_state() {
  std::vector<std::pair<std::string, std::int64_t>> out;
  auto s = db_.prepare("SELECT state, count(*) FROM requests GROUP BY state ORDER BY state");
  while (s.step())
    out.emplace_back(s.text(0), s.int64(1));
  return out;
}

namespace {

// LIKE with '\' as escape: the person's words match as written, '%' and '_' included.
std::string like_pattern(std::string_view words) {
  std::string out = "%";
  for (char c : words) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "%";
}

// At least three characters: what the trigram index (schema v9) can look up.
bool indexed_words(std::string_view words) {
  std::size_t chars = 0;
  for (char c : words)
    chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars >= 3;
}

// Only the conditions asked for: "state = ?" alone lets SQLite walk the state index (newest
// first) instead of testing every row; words go through the trigram index, or LIKE when too
// short for it.
std::string filter_where(const Store::RequestFilter& f) {
  std::string where;
  if (f.state)
    where = " WHERE state = ?1";
  if (!f.words.empty()) {
    where += where.empty() ? " WHERE " : " AND ";
    if (indexed_words(f.words)) {
      where += "id IN (SELECT rowid FROM requests_search WHERE requests_search MATCH ?2)";
    } else {
      where +=
          "(reference LIKE ?2 ESCAPE '\\' OR subject LIKE ?2 ESCAPE '\\' OR sender LIKE ?2 "
          "ESCAPE '\\' OR sender_name LIKE ?2 ESCAPE '\\' OR text LIKE ?2 ESCAPE '\\')";
    }
  }
  return where;
}

// The words as one FTS5 phrase: inside double quotes nothing is an operator; a quote is doubled.
std::string fts_phrase(std::string_view words) {
  std::string out = "\"";
  for (char c : words) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

void bind_filter(Statement& s, const Store::RequestFilter& f) {
  if (f.state)
    s.bind(1, to_string(*f.state));
  if (!f.words.empty())
    s.bind(2, indexed_words(f.words) ? fts_phrase(f.words) : like_pattern(f.words));
}

}  // namespace

std::vector<Request> Store::search_requests(const RequestFilter& f) {
  std::vector<Request> out;
  auto s = db_.prepare(fmt::format("SELECT {} FROM requests{} ORDER BY id DESC LIMIT ?3 OFFSET ?4",
                                   kRequestColumns, filter_where(f)));
  bind_filter(s, f);
  s.bind(3, f.limit);
  s.bind(4, f.offset);
  while (s.step())
    out.push_back(read_request(s));
  load_channels(db_, out);
  return out;
}

std::int64_t Store::count_requests(const RequestFilter& f) {
  auto s = db_.prepare(fmt::format("SELECT count(*) FROM requests{}", filter_where(f)));
  bind_filter(s, f);
  return s.step() ? s.int64(0) : 0;
}

std::vector<Request> Store::requests_publishing_between(TimePoint from, TimePoint to) {
  std::vector<Request> out;
  auto s = db_.prepare(fmt::format(
      "SELECT {} FROM requests WHERE publish_at >= ? AND publish_at < ? ORDER BY publish_at, id",
      kRequestColumns));
  s.bind_all(to_millis(from), to_millis(to));
  while (s.step())
    out.push_back(read_request(s));
  load_channels(db_, out);
  return out;
}

std::vector<Store::ChannelActivity> Store::channel_activity() {
  std::vector<ChannelActivity> out;
  auto s = db_.prepare(
      "SELECT c.channel, sum(c.status = 'published'), max(CASE WHEN c.status = 'published' THEN "
      "r.updated_at END) FROM request_channels c JOIN requests r ON r.id = c.request_id GROUP BY "
      "c.channel ORDER BY c.channel");
  while (s.step()) {
    ChannelActivity a;
    a.channel = s.text(0);
    a.published = s.int64(1);
    if (auto t = s.optional_int64(2))
      a.last_published_at = from_millis(*t);
    out.push_back(std::move(a));
  }
  auto e = db_.prepare(
      "SELECT c.channel, c.error, r.reference, r.updated_at FROM request_channels c JOIN requests "
      "r ON r.id = c.request_id WHERE c.error <> '' ORDER BY r.updated_at DESC, r.id DESC");
  while (e.step()) {
    for (auto& a : out) {
      if (a.channel == e.text(0) && !a.last_error_at) {
        a.last_error = e.text(1);
        a.last_error_reference = e.text(2);
        a.last_error_at = from_millis(e.int64(3));
      }
    }
  }
  return out;
}

}  // namespace relais::workflow
