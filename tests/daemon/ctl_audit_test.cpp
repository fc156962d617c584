// `relaisctl audit export` on a temporary store: RFC 4180 CSV read back field by field, JSON
// with the same keys, filters by request and by case (id or reference), unknown references and
// usage errors.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "ctl_fixture.hpp"
#include "daemon/config/config.hpp"
#include "daemon/ctl_audit.hpp"
#include "daemon/ctl_commands.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/engine.hpp"
#include "workflow/store.hpp"

using namespace relais::daemon;
using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'042ms);  // 2026-09-21T14:13:20.042Z

using relais::daemon::test::Run;

struct Fixture : relais::daemon::test::CtlConfigFixture {
  std::int64_t request = 0, other = 0, case_id = 0;

  Fixture() : CtlConfigFixture(kNow) { populate(); }

  static Event event(EventKind k, TimePoint at) {
    Event e;
    e.kind = k;
    e.at = at;
    e.actor = "agent:agent@example.org";
    e.source = "mail:<a@example.org>";
    return e;
  }

  // Two requests with transitions and mails, a case with its own rows, and a row whose detail
  // needs quoting in CSV.
  void populate() {
    Store store(dir / "relais.db", Database::Mode::read_write);
    store.migrate();
    Engine engine(make_policy(config));
    store.begin();
    Request d;
    d.sender = "agent@example.org";
    d.subject = "Inauguration";
    request = engine.create(store, d, event(EventKind::submitted, kNow)).id;
    store.insert_inbound({std::string(64, 'a'), "<a@example.org>", request, "submission",
                          "agent@example.org", "publier@example.org", kNow});
    other = engine.create(store, d, event(EventKind::submitted, kNow + 1ms)).id;
    store.insert_outbound("<ack@relais>", request, "ack", "agent@example.org", kNow + 2ms);
    TakedownCase c;
    c.reference = store.next_case_reference(2026);
    c.origin = "cli";
    c.received_at = c.updated_at = kNow;
    c.deadline_at = kNow + 720h;
    case_id = store.insert_case(c);
    AuditRow row;
    row.kind = "case";
    row.case_id = case_id;
    row.from_state = "received";
    row.to_state = "matched";
    row.event = "matched";
    row.actor = "cli:alice";
    row.source = "cli";
    row.detail = "il a dit \"non\", puis\r\nil est parti";
    row.at = kNow + 3ms;
    store.append_audit(row);
    row.kind = "decision";
    row.request_id = request;
    row.detail = R"({"basis":"reference"})";
    row.at = kNow + 4ms;
    store.append_audit(row);
    store.commit();
  }

  std::vector<AuditRow> rows(std::optional<std::int64_t> req, std::optional<std::int64_t> c) {
    Store store(dir / "relais.db", Database::Mode::read_only);
    return store.audit_rows(req, c);
  }
};

// A strict RFC 4180 reader: records end with CRLF; quoted fields may hold anything.
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  std::size_t i = 0;
  bool quoted = false, was_quoted = false;
  while (i < text.size()) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        i += 2;
      } else if (c == '"') {
        quoted = false;
        ++i;
      } else {
        field += c;
        ++i;
      }
      continue;
    }
    if (c == '"') {
      REQUIRE_MESSAGE(field.empty(), "a quote inside an unquoted field");
      quoted = was_quoted = true;
      ++i;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++i;
    } else if (c == '\r') {
      REQUIRE_MESSAGE(text.substr(i, 2) == "\r\n", "a bare CR outside quotes");
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      was_quoted = false;
      i += 2;
    } else {
      REQUIRE_MESSAGE(c != '\n', "a bare LF outside quotes");
      REQUIRE_MESSAGE(!was_quoted, "text after a closing quote");
      field += c;
      ++i;
    }
  }
  REQUIRE_MESSAGE(record.empty(), "the last record does not end with CRLF");
  return records;
}

std::string iso_of(TimePoint t) {
  return iso_utc_millis(t);
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "audit export as CSV: every row, every field, read back") {
  const auto r = run({"audit", "export", "--format", "csv"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.starts_with(
      "id,at,kind,request,case,from_state,to_state,event,actor,source,detail,prev_hash,hash\r\n"));
  const auto records = read_csv(r.out);
  const auto stored = rows(std::nullopt, std::nullopt);
  REQUIRE(stored.size() == 6);
  REQUIRE(records.size() == stored.size() + 1);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& s = stored[i];
    const auto& f = records[i + 1];
    CAPTURE(i);
    REQUIRE(f.size() == 13);
    CHECK(f[0] == std::to_string(s.id));
    CHECK(f[1] == iso_of(s.at));
    CHECK(f[2] == s.kind);
    CHECK(f[3] == (s.request_id == request ? "PUB-2026-0001"
                   : s.request_id == other ? "PUB-2026-0002"
                                           : ""));
    CHECK(f[4] == (s.case_id ? "DI-2026-0001" : ""));
    CHECK(f[5] == s.from_state);
    CHECK(f[6] == s.to_state);
    CHECK(f[7] == s.event);
    CHECK(f[8] == s.actor);
    CHECK(f[9] == s.source);
    CHECK(f[10] == s.detail);
    CHECK(f[11] == s.prev_hash);
    CHECK(f[12] == s.hash);
  }
  CHECK(records[1][1] == "2026-09-21T14:13:20.042Z");
  CHECK(records[5][10] == "il a dit \"non\", puis\r\nil est parti");
  CHECK(r.out.find("\"il a dit \"\"non\"\", puis\r\nil est parti\"") != std::string::npos);
  CHECK(records[2][2] == "mail_in");
  CHECK(records[2][10] ==
        R"({"sha256":")" + std::string(64, 'a') + R"(","recipients":["publier@example.org"]})");
}

TEST_CASE_FIXTURE(Fixture, "audit export as JSON has the same keys") {
  auto r = run({"audit", "export", "--format", "json"});
  REQUIRE(r.code == 0);
  const auto a = json::parse(r.out).as_array();
  const auto stored = rows(std::nullopt, std::nullopt);
  REQUIRE(a.size() == stored.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& o = a[i].as_object();
    CHECK(o.size() == std::size(kAuditExportColumns));
    for (const char* key : kAuditExportColumns)
      CHECK(o.contains(key));
    CHECK(o.at("id") == stored[i].id);
    CHECK(o.at("at").as_string() == iso_of(stored[i].at));
    CHECK(o.at("detail").as_string() == stored[i].detail);
    CHECK(o.at("hash").as_string() == stored[i].hash);
  }
  CHECK(a[0].as_object().at("request") == "PUB-2026-0001");
  CHECK(a[0].as_object().at("case").is_null());
  CHECK(a[4].as_object().at("request").is_null());
  CHECK(a[4].as_object().at("case") == "DI-2026-0001");
  // --json alone chooses JSON.
  opts.json = true;
  CHECK(run({"audit", "export"}).out == r.out);
}

TEST_CASE_FIXTURE(Fixture, "audit export of one request or one case, by id or reference") {
  const auto by_ref = run({"audit", "export", "--format", "json", "--request", "pub-2026-0001"});
  REQUIRE(by_ref.code == 0);
  const auto a = json::parse(by_ref.out).as_array();
  REQUIRE(a.size() == 4);  // submitted, mail in, mail out, the decision
  for (const auto& v : a)
    CHECK(v.as_object().at("request") == "PUB-2026-0001");
  CHECK(run({"audit", "export", "--format", "json", "--request", std::to_string(request)}).out ==
        by_ref.out);

  const auto by_case = run({"audit", "export", "--format=csv", "--case", "DI-2026-0001"});
  REQUIRE(by_case.code == 0);
  CHECK(read_csv(by_case.out).size() == 3);
  CHECK(run({"audit", "export", "--format=csv", "--case", "1"}).out == by_case.out);

  const auto both =
      run({"audit", "export", "--format", "json", "--case", "1", "--request", "PUB-2026-0001"});
  REQUIRE(both.code == 0);
  CHECK(json::parse(both.out).as_array().size() == 1);

  const auto none = run({"audit", "export", "--format", "csv", "--request", "PUB-2026-0002"});
  REQUIRE(none.code == 0);
  CHECK(read_csv(none.out).size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "audit export: unknown references and usage errors") {
  auto r = run({"audit", "export", "--format", "csv", "--request", "PUB-2026-0099"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "relaisctl audit export: no request PUB-2026-0099\n");
  r = run({"audit", "export", "--format", "csv", "--case", "DI-2026-0042"});
  CHECK(r.code == 1);
  CHECK(r.err == "relaisctl audit export: no takedown case DI-2026-0042\n");
  CHECK(run({"audit", "export", "--format", "csv", "--case", "7"}).code == 1);
  for (CtlArgs args : {CtlArgs{"audit", "export"}, CtlArgs{"audit", "export", "--format", "xml"},
                       CtlArgs{"audit", "export", "--format"},
                       CtlArgs{"audit", "export", "--format", "csv", "--since", "x"},
                       CtlArgs{"audit", "export", "extra", "--format", "csv"}}) {
    CAPTURE(args.back());
    r = run(args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE_FIXTURE(Fixture, "audit verify counts every kind of row") {
  const auto r = run({"audit", "verify"});
  CHECK(r.code == 0);
  CHECK(r.out == "audit record intact (6 rows)\n");
}

TEST_CASE("csv_field quotes only what needs it") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");
  CHECK(csv_field("médiathèque; ok") == "médiathèque; ok");
}

TEST_CASE("iso_utc_millis") {
  CHECK(iso_utc_millis(kNow) == "2026-09-21T14:13:20.042Z");
  CHECK(iso_utc_millis(TimePoint{}) == "1970-01-01T00:00:00.000Z");
  CHECK(iso_utc_millis(TimePoint(999ms)) == "1970-01-01T00:00:00.999Z");
  CHECK(iso_utc_millis(TimePoint(-1ms)) == "1969-12-31T23:59:59.999Z");
}
