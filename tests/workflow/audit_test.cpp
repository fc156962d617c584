// The audit record on real SQLite files: mail in and out are recorded, rows are found by
// request and case, and the chain names exactly the row that was tampered with, for every row
// and every column; a deleted row breaks the chain at the next one; a v1 store still verifies
// after the v2 migration.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "workflow/engine.hpp"
#include "workflow/migrations.hpp"
#include "workflow/sha256.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'123ms);  // 2026-09-21T14:13:20.123Z

struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() / fmt::format("relais-audit-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  fs::path file(std::string_view name = "relais.db") const { return dir / name; }
};

Event ev(EventKind k, TimePoint at) {
  Event e;
  e.kind = k;
  e.at = at;
  e.actor = "test";
  e.source = "unit";
  return e;
}

Request draft() {
  Request r;
  r.sender = "agent@example.org";
  r.subject = "Inauguration";
  r.text = "La médiathèque ouvre ses portes.";
  return r;
}

TakedownCase a_case(Store& store) {
  TakedownCase c;
  c.reference = store.next_case_reference(2026);
  c.state = CaseState::received;
  c.version = 1;
  c.origin = "mail";
  c.requester = "someone@example.net";
  c.received_at = c.updated_at = kNow;
  c.deadline_at = kNow + 24h * 30;
  c.id = store.insert_case(c);
  return c;
}

struct Record {
  std::int64_t request = 0, case_id = 0;
};

// Every kind of row: transitions, mail in (with and without a request), mail out, case rows,
// a decision naming both a request and a case, a consent change.
Record build_record(const fs::path& file) {
  Store store(file, Database::Mode::read_write);
  store.migrate();
  Engine engine(Policy{});
  store.begin();
  Record rec;
  const Request r = engine.create(store, draft(), ev(EventKind::submitted, kNow));
  rec.request = r.id;
  store.insert_inbound({std::string(64, 'a'), "<sub@example.org>", r.id, "submission",
                        "agent@example.org", "publier@example.org", kNow});
  REQUIRE(engine.handle(store, r.id, ev(EventKind::checks_started, kNow + 1ms)).applied);
  REQUIRE(engine.handle(store, r.id, ev(EventKind::checks_done, kNow + 2ms)).applied);
  store.insert_outbound("<ack@relais>", r.id, "ack", "agent@example.org, chef@example.org",
                        kNow + 3ms);
  store.insert_inbound({std::string(64, 'b'), "<dt@example.net>", std::nullopt, "takedown",
                        "someone@example.net", "retrait@example.org", kNow + 4ms});
  const auto c = a_case(store);
  rec.case_id = c.id;
  AuditRow row;
  row.kind = "case";
  row.case_id = c.id;
  row.from_state = "received";
  row.to_state = "matched";
  row.event = "matched";
  row.actor = "requester:someone@example.net";
  row.source = "mail:<dt@example.net>";
  row.detail = R"({"matches":1})";
  row.at = kNow + 5ms;
  store.append_audit(row);
  AuditRow decision = row;
  decision.kind = "decision";
  decision.request_id = r.id;
  decision.from_state = decision.to_state = "matched";
  decision.event = "removal_ordered";
  decision.detail = "";
  decision.at = kNow + 6ms;
  store.append_audit(decision);
  AuditRow consent;
  consent.kind = "consent";
  consent.event = "consent_added";
  consent.actor = "cli:alice";
  consent.source = "cli";
  consent.detail = R"({"person":1})";
  consent.at = kNow + 7ms;
  store.append_transition(consent);  // the old name still appends any kind
  store.commit();
  return rec;
}

std::vector<std::int64_t> row_ids(const fs::path& file) {
  Store store(file, Database::Mode::read_only);
  std::vector<std::int64_t> ids;
  for (const auto& r : store.audit_rows(std::nullopt, std::nullopt))
    ids.push_back(r.id);
  return ids;
}

// A raw connection on a copy of the file, with the triggers and foreign keys out of the way,
// as someone editing the file with the sqlite3 shell would have it.
struct Tampered {
  fs::path file;
  Tampered(const TempDir& tmp, const fs::path& original, std::string_view name)
      : file(tmp.file(name)) {
    fs::copy_file(original, file, fs::copy_options::overwrite_existing);
    Database db(file, Database::Mode::read_write);
    db.exec("PRAGMA foreign_keys=OFF");
    db.exec("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
  }
  void exec(const std::string& sql) {
    Database db(file, Database::Mode::read_write);
    db.exec("PRAGMA foreign_keys=OFF");
    db.exec(sql);
  }
  std::optional<std::int64_t> verify() {
    Store store(file, Database::Mode::read_only);
    return store.verify_audit_chain();
  }
};

// The SQL expression that changes one column's value to another plausible one.
std::string altered(std::string_view column) {
  if (column == "kind")
    return "CASE kind WHEN 'transition' THEN 'mail_in' ELSE 'transition' END";
  if (column == "request_id" || column == "case_id")
    return fmt::format("IFNULL({0}, 0) + 1", column);
  if (column == "at")
    return "at + 1";
  if (column == "prev_hash" || column == "hash") {
    // One hex digit flipped.
    return fmt::format(
        "substr({0}, 1, 10) || CASE substr({0}, 11, 1) WHEN '0' THEN '1' ELSE '0' END || "
        "substr({0}, 12)",
        column);
  }
  return fmt::format("{} || 'x'", column);  // text columns, empty ones included
}

// v1's hash of a transition: length-prefixed fields, written here independently so that a
// change of the format in store_audit.cpp cannot pass unnoticed.
std::string v1_hash(const std::string& prev, std::int64_t request_id, std::string_view from,
                    std::string_view to, std::string_view event, std::string_view actor,
                    std::string_view source, std::string_view detail, std::int64_t at) {
  const std::string request = std::to_string(request_id), millis = std::to_string(at);
  std::string data;
  for (std::string_view v : {std::string_view(prev), std::string_view(request), from, to, event,
                             actor, source, detail, std::string_view(millis)}) {
    data += fmt::format("{}:{}|", v.size(), v);
  }
  return sha256_hex(data);
}

}  // namespace

TEST_CASE("mail in and out are rows of the audit record") {
  TempDir tmp;
  const auto rec = build_record(tmp.file());
  Store store(tmp.file(), Database::Mode::read_only);
  CHECK_FALSE(store.verify_audit_chain());
  const auto all = store.audit_rows(std::nullopt, std::nullopt);
  REQUIRE(all.size() == 9);
  CHECK(store.audit_count() == 9);
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i].id > all[i - 1].id);
    CHECK(all[i].prev_hash == all[i - 1].hash);
  }

  const AuditRow& in = all[1];
  CHECK(in.kind == "mail_in");
  CHECK(in.request_id == rec.request);
  CHECK(in.event == "submission");
  CHECK(in.actor == "agent@example.org");
  CHECK(in.source == "mail:<sub@example.org>");
  CHECK(in.at == kNow);
  const auto detail = boost::json::parse(in.detail).as_object();
  CHECK(detail.at("sha256").as_string() == std::string(64, 'a'));
  CHECK(detail.at("recipients").as_array() == boost::json::array{"publier@example.org"});

  const AuditRow& out = all[4];
  CHECK(out.kind == "mail_out");
  CHECK(out.request_id == rec.request);
  CHECK(out.event == "ack");
  CHECK(out.actor == "relais");
  CHECK(out.source == "mail:<ack@relais>");
  CHECK(boost::json::parse(out.detail).as_object().at("recipients").as_array() ==
        boost::json::array{"agent@example.org", "chef@example.org"});

  const AuditRow& takedown = all[5];
  CHECK(takedown.kind == "mail_in");
  CHECK(takedown.request_id == 0);
  CHECK(takedown.event == "takedown");

  // By request: its transitions, its mails and the decision naming it; by case: the case rows.
  const auto of_request = store.audit_rows(rec.request, std::nullopt);
  CHECK(of_request.size() == 6);
  const auto of_case = store.audit_rows(std::nullopt, rec.case_id);
  REQUIRE(of_case.size() == 2);
  CHECK(of_case[0].kind == "case");
  CHECK(of_case[1].kind == "decision");
  const auto both = store.audit_rows(rec.request, rec.case_id);
  REQUIRE(both.size() == 1);
  CHECK(both[0].event == "removal_ordered");
  CHECK(store.audit_rows(rec.request + 100, std::nullopt).empty());
  CHECK(store.transitions_of(rec.request).size() == 3);
  // The hash of a request transition is still v1's (no kind, no case in it).
  const AuditRow& t = all[0];
  CHECK(t.hash == v1_hash(t.prev_hash, t.request_id, t.from_state, t.to_state, t.event, t.actor,
                          t.source, t.detail, to_millis(t.at)));
}

TEST_CASE("changing any value of any row breaks the chain at exactly that row") {
  TempDir tmp;
  build_record(tmp.file());
  const auto ids = row_ids(tmp.file());
  REQUIRE(ids.size() == 9);
  int copies = 0;
  for (const auto id : ids) {
    for (const char* column : {"kind", "request_id", "case_id", "from_state", "to_state", "event",
                               "actor", "source", "detail", "at", "prev_hash", "hash"}) {
      CAPTURE(id);
      CAPTURE(column);
      Tampered t(tmp, tmp.file(), fmt::format("copy-{}.db", copies++));
      REQUIRE_FALSE(t.verify());
      t.exec(fmt::format("UPDATE audit SET {0} = {1} WHERE id = {2}", column, altered(column), id));
      CHECK(t.verify() == id);
      fs::remove(t.file);
    }
  }
  CHECK(copies == 108);
}

TEST_CASE("deleting a row breaks the chain at the next row") {
  TempDir tmp;
  build_record(tmp.file());
  const auto ids = row_ids(tmp.file());
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    CAPTURE(ids[i]);
    Tampered t(tmp, tmp.file(), "deleted.db");
    t.exec(fmt::format("DELETE FROM audit WHERE id = {}", ids[i]));
    CHECK(t.verify() == ids[i + 1]);
  }
  // Swapping two rows' contents (ids kept) breaks it too.
  Tampered t(tmp, tmp.file(), "swapped.db");
  t.exec(
      "UPDATE audit SET id = -1 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = 4; "
      "UPDATE audit SET id = 4 WHERE id = -1");
  CHECK(t.verify() == 3);
}

TEST_CASE("the record is append-only without tampering tools") {
  TempDir tmp;
  build_record(tmp.file());
  Store store(tmp.file(), Database::Mode::read_write);
  CHECK_THROWS_AS(store.db().exec("UPDATE audit SET actor = 'x' WHERE id = 2"), SqliteError);
  CHECK_THROWS_AS(store.db().exec("DELETE FROM audit WHERE id = 9"), SqliteError);
  CHECK_FALSE(store.verify_audit_chain());
}

TEST_CASE("a v1 store's transitions still verify after the v2 migration") {
  TempDir tmp;
  REQUIRE(sqlite_migrations().size() >= 2);
  REQUIRE(sqlite_migrations()[0].version == 1);
  {
    // Schema v1 exactly as a v1 relaisd left it: migration 0001 only.
    Database db(tmp.file(), Database::Mode::read_write);
    db.exec(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL)");
    db.exec("BEGIN");
    db.exec(sqlite_migrations()[0].sql);
    db.prepare("INSERT INTO schema_version VALUES (1, ?, 0)")
        .bind_all(sqlite_migrations()[0].name)
        .run();
    for (int i = 1; i <= 2; ++i) {
      db.prepare(
            "INSERT INTO requests (reference, state, version, sender, created_at, updated_at) "
            "VALUES (?, 'awaiting_approval', 3, 'agent@example.org', ?, ?)")
          .bind_all(fmt::format("PUB-2026-000{}", i), to_millis(kNow), to_millis(kNow))
          .run();
    }
    std::string prev(64, '0');
    const char* steps[][3] = {{"initial", "received", "submitted"},
                              {"received", "checking", "checks_started"},
                              {"checking", "awaiting_approval", "checks_done"}};
    std::int64_t at = to_millis(kNow);
    for (std::int64_t request = 1; request <= 2; ++request) {
      for (const auto& step : steps) {
        const std::string detail = request == 2 ? R"({"findings":[]})" : "";
        const std::string source = "mail:<v1-" + std::to_string(request) + "@example.org>";
        const auto hash =
            v1_hash(prev, request, step[0], step[1], step[2], "agent:a@b", source, detail, ++at);
        db.prepare(
              "INSERT INTO transitions (request_id, from_state, to_state, event, actor, source, "
              "detail, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(request, step[0], step[1], step[2], "agent:a@b", source, detail, at, prev,
                      hash)
            .run();
        prev = hash;
      }
    }
    db.exec("COMMIT");
  }
  Store store(tmp.file(), Database::Mode::read_write);
  CHECK(store.schema_version() == 1);
  store.migrate();
  CHECK(store.schema_version() == static_cast<int>(sqlite_migrations().back().version));
  const auto rows = store.audit_rows(std::nullopt, std::nullopt);
  REQUIRE(rows.size() == 6);
  for (const auto& r : rows) {
    CHECK(r.kind == "transition");
    CHECK_FALSE(r.case_id);
  }
  CHECK(store.transitions_of(2).size() == 3);
  CHECK(store.verify_audit_chain() == std::nullopt);

  // v2 rows of every kind chain on after the v1 ones.
  store.begin();
  store.insert_inbound({std::string(64, 'c'), "<v2@example.org>", 1, "reply", "agent@example.org",
                        "publier@example.org", kNow + 1h});
  store.insert_outbound("<v2-out@relais>", 1, "approval", "referent@example.org", kNow + 1h);
  const auto c = a_case(store);
  AuditRow row;
  row.kind = "case";
  row.case_id = c.id;
  row.event = "opened";
  row.actor = "cli:alice";
  row.source = "cli";
  row.at = kNow + 1h;
  store.append_audit(row);
  store.commit();
  CHECK(store.audit_count() == 9);
  CHECK_FALSE(store.verify_audit_chain());

  // And a tampered v1 row is still caught.
  store.db().exec("DROP TRIGGER audit_no_update");
  store.db().exec("UPDATE audit SET detail = '' WHERE id = 5");
  CHECK(store.verify_audit_chain() == 5);
}
