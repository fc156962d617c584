// relaisctl's commands on a temporary store: list and show as text and JSON, approve and reject
// through the engine (refusals change nothing), the quarantine, the audit chain, and every
// usage error a sysadmin can type.
#include <doctest/doctest.h>

#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "ctl_fixture.hpp"
#include "daemon/config/config.hpp"
#include "daemon/ctl_commands.hpp"
#include "daemon/ctl_render.hpp"
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

using relais::daemon::test::kNow;
using relais::daemon::test::Run;

struct Fixture : relais::daemon::test::CtlConfigFixture {
  // A migrated store holding one request awaiting approval (with a warning and a photo), one
  // in needs_changes, and one quarantined message.
  void populate() {
    Store store(db(), Database::Mode::read_write);
    store.migrate();
    Engine engine(make_policy(config));
    store.begin();
    awaiting_ = add_checked(store, engine, "Inauguration de la médiathèque",
                            {{"text.short", Severity::warning, "Le texte est court."}});
    MediaRow m;
    m.request_id = awaiting_;
    m.position = 0;
    m.sha256 = std::string(64, 'a');
    m.content_type = "image/jpeg";
    m.filename = "photo.jpg";
    m.size = 12345;
    store.insert_media(m);
    blocked_ = add_checked(store, engine, "Fête\x1b[31m du sport",
                           {{"consent.missing", Severity::blocking, "Il manque l'accord écrit."}});
    store.insert_quarantine({0, std::string(64, 'b'), 99, "unreadable MIME", "127.0.0.1", kNow});
    store.commit();
  }

  std::size_t transitions(std::int64_t id) {
    Store store(db(), Database::Mode::read_only);
    return store.transitions_of(id).size();
  }
  std::int64_t outbox() {
    Store store(db(), Database::Mode::read_only);
    return store.outbox_depth();
  }

  std::int64_t awaiting_ = 0, blocked_ = 0;
};

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

json::value parse(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, text);
  return v;
}

void check_request_fields(const json::object& o) {
  for (const char* key : {"id", "reference", "state", "channels", "findings", "subject", "sender",
                          "text", "author", "version", "publish_at"}) {
    CAPTURE(key);
    CHECK(o.contains(key));
  }
  CHECK(o.at("id").is_int64());
  CHECK(o.at("reference").is_string());
  CHECK(o.at("state").is_string());
  CHECK(o.at("version").is_int64());
  for (const auto& c : o.at("channels").as_array()) {
    CHECK(c.as_object().at("name").is_string());
    CHECK(c.as_object().at("status").is_string());
    CHECK(c.as_object().at("url").is_string());
  }
  for (const auto& f : o.at("findings").as_array()) {
    CHECK(f.as_object().at("code").is_string());
    CHECK(f.as_object().at("severity").is_string());
    CHECK(f.as_object().at("message").is_string());
  }
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "without a store, every command says so and creates nothing") {
  for (CtlArgs args : {CtlArgs{"list"}, CtlArgs{"show", "1"}, CtlArgs{"approve", "1"},
                       CtlArgs{"reject", "1", "--reason", "non"}, CtlArgs{"quarantine", "list"},
                       CtlArgs{"audit", "verify"}}) {
    CAPTURE(args[0]);
    const auto r = run(args);
    CHECK(r.code == 1);
    CHECK(contains(r.err, "no relais store at " + db().string() + ": has relaisd run here?"));
    CHECK(r.out.empty());
  }
  CHECK_FALSE(fs::exists(db()));
}

TEST_CASE_FIXTURE(Fixture, "a store file without a schema is not initialised") {
  { Store store(db(), Database::Mode::read_write); }  // an empty database
  const auto a = run({"approve", "1"});
  CHECK(a.code == 1);
  CHECK(contains(a.err, "store not initialised"));
  const auto l = run({"list"});
  CHECK(l.code == 1);
  CHECK(contains(l.err, "store not initialised"));
  Store store(db(), Database::Mode::read_only);
  CHECK(store.schema_version() == 0);  // not migrated behind relaisd's back
}

TEST_CASE_FIXTURE(Fixture, "list as a table") {
  populate();
  const auto r = run({"list"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "ID"));
  CHECK(contains(r.out, "REFERENCE"));
  CHECK(contains(r.out, "UPDATED"));
  CHECK(contains(r.out, "PUB-2026-0001"));
  CHECK(contains(r.out, "PUB-2026-0002"));
  CHECK(contains(r.out, "awaiting_approval"));
  CHECK(contains(r.out, "needs_changes"));
  CHECK(contains(r.out, "Inauguration de la médiathèque"));
  CHECK(contains(r.out, "2026-09-21 15:13"));  // updated, in Europe/Paris
  CHECK_FALSE(contains(r.out, "\x1b"));        // no terminal escape from a subject
  CHECK(contains(r.out, "Fête?[31m du sport"));
}

TEST_CASE_FIXTURE(Fixture, "list as JSON, filtered and limited") {
  populate();
  auto r = run({"list", "--json"});
  REQUIRE(r.code == 0);
  auto all = parse(r.out).as_array();
  REQUIRE(all.size() == 2);
  for (const auto& v : all)
    check_request_fields(v.as_object());

  opts.json = true;
  r = run({"list", "--state", "needs_changes"});
  REQUIRE(r.code == 0);
  auto filtered = parse(r.out).as_array();
  REQUIRE(filtered.size() == 1);
  CHECK(filtered[0].as_object().at("reference") == "PUB-2026-0002");
  CHECK(filtered[0].as_object().at("state") == "needs_changes");
  CHECK(filtered[0].as_object().at("findings").as_array()[0].as_object().at("severity") ==
        "blocking");

  r = run({"list", "--limit=1"});
  REQUIRE(r.code == 0);
  CHECK(parse(r.out).as_array().size() == 1);

  r = run({"list", "--state", "published"});
  REQUIRE(r.code == 0);
  CHECK(parse(r.out).as_array().empty());
  opts.json = false;
  CHECK(contains(run({"list", "--state", "published"}).out, "no requests"));
}

TEST_CASE_FIXTURE(Fixture, "list usage errors") {
  populate();
  for (CtlArgs args :
       {CtlArgs{"list", "--state", "bogus"}, CtlArgs{"list", "--state", "initial"},
        CtlArgs{"list", "--state"}, CtlArgs{"list", "--limit", "0"},
        CtlArgs{"list", "--limit", "10001"}, CtlArgs{"list", "--limit", "abc"},
        CtlArgs{"list", "--limit", "5x"}, CtlArgs{"list", "--limit", "-1"},
        CtlArgs{"list", "--limit", ""}, CtlArgs{"list", "--limit", "99999999999999999999"},
        CtlArgs{"list", "extra"}, CtlArgs{"list", "--verbose"},
        CtlArgs{"list", "--limit", "1", "--limit", "2"}}) {
    CAPTURE(args.back());
    const auto r = run(args);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
    CHECK(r.out.empty());
  }
  CHECK(contains(run({"list", "--state", "bogus"}).err, "awaiting_approval"));
}

TEST_CASE_FIXTURE(Fixture, "show as text") {
  populate();
  const auto r = run({"show", "pub-2026-0001"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "PUB-2026-0001 (id 1)  awaiting_approval  version 3"));
  CHECK(contains(r.out, "Agent Dupont <agent@example.org>"));
  CHECK(contains(r.out, "Inauguration de la médiathèque"));
  CHECK(contains(r.out, "  Venez nombreux."));
  CHECK(contains(r.out, "site"));
  CHECK(contains(r.out, "pending"));
  CHECK(contains(r.out, "warning  text.short  Le texte est court."));
  CHECK(contains(r.out, "photo.jpg"));
  CHECK(contains(r.out, "image/jpeg"));
  CHECK(contains(r.out, "12345 bytes"));
  CHECK(contains(r.out, "initial -> received"));
  CHECK(contains(r.out, "checking -> awaiting_approval"));
  CHECK(contains(r.out, "publish at:"));
  // The numeric id works as well.
  CHECK(run({"show", "1"}).out == r.out);
}

TEST_CASE_FIXTURE(Fixture, "show as JSON has the fields SPEC section 4 promises") {
  populate();
  opts.json = true;
  const auto r = run({"show", "PUB-2026-0001"});
  REQUIRE(r.code == 0);
  const auto o = parse(r.out).as_object();
  check_request_fields(o);
  CHECK(o.at("id") == 1);
  CHECK(o.at("reference") == "PUB-2026-0001");
  CHECK(o.at("state") == "awaiting_approval");
  CHECK(o.at("subject") == "Inauguration de la médiathèque");
  CHECK(o.at("sender") == "agent@example.org");
  CHECK(o.at("author") == "Photo: A. Dupont");
  CHECK(o.at("text") == "La médiathèque ouvre ses portes.\nVenez nombreux.");
  CHECK(o.at("version") == 3);
  CHECK(o.at("publish_at").is_null());
  CHECK(o.at("updated_at") == "2026-09-21T13:13:20Z");
  const auto& channels = o.at("channels").as_array();
  REQUIRE(channels.size() == 1);
  CHECK(channels[0].as_object().at("name") == "site");
  CHECK(channels[0].as_object().at("status") == "pending");
  CHECK(channels[0].as_object().at("url") == "");
  const auto& findings = o.at("findings").as_array();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].as_object().at("code") == "text.short");
  CHECK(findings[0].as_object().at("severity") == "warning");
  CHECK(findings[0].as_object().at("message") == "Le texte est court.");
  const auto& media = o.at("media").as_array();
  REQUIRE(media.size() == 1);
  CHECK(media[0].as_object().at("filename") == "photo.jpg");
  CHECK(media[0].as_object().at("content_type") == "image/jpeg");
  CHECK(media[0].as_object().at("size") == 12345);
  const auto& history = o.at("history").as_array();
  REQUIRE(history.size() == 3);
  CHECK(history[0].as_object().at("from") == "initial");
  CHECK(history[0].as_object().at("to") == "received");
  CHECK(history[2].as_object().at("event") == "checks_done");
  CHECK(history[2].as_object().at("actor") == "test");
  CHECK(history[2].as_object().at("at") == "2026-09-21T13:13:20Z");
}

TEST_CASE_FIXTURE(Fixture, "show: unknown ID and usage errors") {
  populate();
  auto r = run({"show", "PUB-2026-9999"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "no request PUB-2026-9999"));
  CHECK(r.out.empty());
  CHECK(run({"show", "42"}).code == 1);
  CHECK(run({"show", "0"}).code == 1);
  CHECK(run({"show", "-1"}).code == 2);  // looks like an option
  CHECK(run({"show", ""}).code == 1);
  CHECK(run({"show", "99999999999999999999999"}).code == 1);
  CHECK(run({"show", "1' OR '1'='1"}).code == 1);
  CHECK(run({"show"}).code == 2);
  CHECK(run({"show", "1", "2"}).code == 2);
  CHECK(run({"show", "1", "--state", "x"}).code == 2);
}

TEST_CASE_FIXTURE(Fixture, "approve moves awaiting_approval to scheduled") {
  populate();
  const auto depth = outbox();
  const auto r = run({"approve", "PUB-2026-0001"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "PUB-2026-0001: awaiting_approval -> scheduled"));
  CHECK(contains(r.out, "on site"));
  const auto after = load(awaiting_);
  CHECK(after.state == State::scheduled);
  CHECK(after.version == 4);
  REQUIRE(after.publish_at);
  CHECK(*after.publish_at >= kNow);
  CHECK(outbox() >= depth);
  Store store(db(), Database::Mode::read_only);
  const auto history = store.transitions_of(awaiting_);
  REQUIRE(history.size() == 4);
  CHECK(history.back().actor == "cli:test");
  CHECK(history.back().source == "cli");
  CHECK(history.back().event == "approve");
  CHECK(history.back().at == kNow);
  CHECK_FALSE(store.verify_audit_chain());
}

TEST_CASE_FIXTURE(Fixture, "approve with channels and a local time") {
  populate();
  opts.json = true;
  const auto r = run({"approve", "1", "--channels", " site , site,", "--at", "2026-12-01T10:00"});
  REQUIRE(r.code == 0);
  const auto o = parse(r.out).as_object();
  check_request_fields(o);
  CHECK(o.at("state") == "scheduled");
  CHECK(o.at("publish_at") == "2026-12-01T09:00:00Z");  // 10:00 in Paris, winter time
  CHECK(load(awaiting_).publish_at == parse_input("2026-12-01T10:00"));
}

TEST_CASE_FIXTURE(Fixture, "approve: bad flags change nothing") {
  populate();
  for (CtlArgs args :
       {CtlArgs{"approve"}, CtlArgs{"approve", "1", "2"}, CtlArgs{"approve", "1", "--at"},
        CtlArgs{"approve", "1", "--at", "tomorrow"},
        CtlArgs{"approve", "1", "--at", "2026-02-30T10:00"},
        CtlArgs{"approve", "1", "--at", "2026-13-01T10:00"},
        CtlArgs{"approve", "1", "--at", "2026-12-01T10:00junk"},
        CtlArgs{"approve", "1", "--at", "2027-03-28T02:30"},  // skipped: clocks go 02:00 -> 03:00
        CtlArgs{"approve", "1", "--at", "2026-+1-01T10:00"},
        CtlArgs{"approve", "1", "--at", "2026-12- 1T10:00"},
        CtlArgs{"approve", "1", "--channels", ""}, CtlArgs{"approve", "1", "--channels", " , "},
        CtlArgs{"approve", "1", "--reason", "x"}}) {
    CAPTURE(args.back());
    const auto r = run(args);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
  }
  CHECK(load(awaiting_).state == State::awaiting_approval);
  CHECK(transitions(awaiting_) == 3);
}

TEST_CASE_FIXTURE(Fixture, "approve on an unknown channel is refused by the machine") {
  populate();
  const auto r = run({"approve", "1", "--channels", "facebook"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "refused: PUB-2026-0001"));
  CHECK(contains(r.err, "nothing changed"));
  CHECK(load(awaiting_).state == State::awaiting_approval);
  CHECK(transitions(awaiting_) == 3);
}

TEST_CASE_FIXTURE(Fixture, "reject needs a reason") {
  populate();
  for (CtlArgs args :
       {CtlArgs{"reject", "1"}, CtlArgs{"reject", "1", "--reason", ""},
        CtlArgs{"reject", "1", "--reason", " \t\n"}, CtlArgs{"reject", "1", "--reason"},
        CtlArgs{"reject", "1", "--reason", std::string(5001, 'x')},
        CtlArgs{"reject", "--reason", "non"}}) {
    const auto r = run(args);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
  }
  CHECK(contains(run({"reject", "1"}).err, "--reason TEXT is required"));
  CHECK(load(awaiting_).state == State::awaiting_approval);
  CHECK(transitions(awaiting_) == 3);
}

TEST_CASE_FIXTURE(Fixture, "reject, then approve on the rejected request is refused") {
  populate();
  auto r = run({"reject", "PUB-2026-0001", "--reason", "Photos floues"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "PUB-2026-0001: awaiting_approval -> rejected"));
  const auto rejected = load(awaiting_);
  CHECK(rejected.state == State::rejected);
  CHECK(rejected.note == "Photos floues");
  const auto depth = outbox();

  r = run({"approve", "PUB-2026-0001"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "refused: PUB-2026-0001"));
  CHECK(contains(r.err, "rejected"));
  const auto after = load(awaiting_);
  CHECK(after.state == State::rejected);
  CHECK(after.version == rejected.version);
  CHECK(transitions(awaiting_) == 4);
  CHECK(outbox() == depth);

  CHECK(run({"reject", "1", "--reason", "encore"}).code == 1);
}

TEST_CASE_FIXTURE(Fixture, "approve and reject: unknown ID") {
  populate();
  auto r = run({"approve", "PUB-2026-9999"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "no request PUB-2026-9999"));
  r = run({"reject", "77", "--reason", "non"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "no request 77"));
}

TEST_CASE_FIXTURE(Fixture, "quarantine list") {
  populate();
  auto r = run({"quarantine", "list"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "unreadable MIME"));
  CHECK(contains(r.out, "127.0.0.1"));
  CHECK(contains(r.out, std::string(64, 'b')));

  opts.json = true;
  r = run({"quarantine", "list"});
  REQUIRE(r.code == 0);
  const auto rows = parse(r.out).as_array();
  REQUIRE(rows.size() == 1);
  const auto& q = rows[0].as_object();
  CHECK(q.at("id") == 1);
  CHECK(q.at("sha256").as_string() == std::string(64, 'b'));
  CHECK(q.at("size") == 99);
  CHECK(q.at("reason") == "unreadable MIME");
  CHECK(q.at("remote") == "127.0.0.1");
  CHECK(q.at("at") == "2026-09-21T14:13:20Z");

  opts.json = false;
  CHECK(run({"quarantine"}).code == 2);
  CHECK(run({"quarantine", "purge"}).code == 2);
  CHECK(run({"quarantine", "list", "x"}).code == 2);
}

TEST_CASE_FIXTURE(Fixture, "an empty quarantine") {
  populate();
  Store store(db(), Database::Mode::read_write);
  store.db().exec("DELETE FROM quarantine");
  CHECK(contains(run({"quarantine", "list"}).out, "quarantine is empty"));
  opts.json = true;
  CHECK(run({"quarantine", "list"}).out == "[]\n");
}

TEST_CASE_FIXTURE(Fixture, "audit verify: intact, then broken by an edited row") {
  populate();
  auto r = run({"audit", "verify"});
  CHECK(r.code == 0);
  CHECK(r.out == "audit record intact (6 rows)\n");

  {
    Store store(db(), Database::Mode::read_write);
    store.db().exec("DROP TRIGGER audit_no_update");
    store.db().exec("UPDATE audit SET actor = 'mallory' WHERE id = 2");
  }
  r = run({"audit", "verify"});
  CHECK(r.code == 2);
  CHECK(r.out == "audit record broken at row 2 (6 rows)\n");

  opts.json = true;
  r = run({"audit", "verify"});
  CHECK(r.code == 2);
  const auto o = parse(r.out).as_object();
  CHECK(o.at("intact") == false);
  CHECK(o.at("first_broken_id") == 2);
  CHECK(o.at("rows") == 6);

  opts.json = false;
  CHECK(run({"audit"}).code == 2);
  CHECK(run({"audit", "export"}).code == 2);  // --format is required
  CHECK(run({"audit", "verify", "--format", "csv"}).code == 2);
  CHECK(run({"audit", "purge"}).code == 2);
}

TEST_CASE_FIXTURE(Fixture, "unknown and missing commands print the usage") {
  auto r = run({});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "usage: relaisctl"));
  r = run({"frobnicate"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "unknown command frobnicate"));
  CHECK(contains(r.err, "usage: relaisctl"));
  CHECK(run({"LIST"}).code == 2);
  CHECK(contains(std::string(ctl_usage()), "approve ID [--channels a,b] [--at YYYY-MM-DDTHH:MM]"));
}

TEST_CASE("terminal_text neutralises control characters and cuts on characters") {
  CHECK(terminal_text("plain") == "plain");
  CHECK(terminal_text("a\x1b[2Jb") == "a?[2Jb");
  CHECK(terminal_text("line\nbreak\r\t") == "line?break??");
  CHECK(terminal_text("del\x7f") == "del?");
  CHECK(terminal_text("c1\xc2\x9b") == "c1?");
  CHECK(terminal_text("médiathèque") == "médiathèque");
  CHECK(terminal_text("médiathèque", 5) == "médi…");
  CHECK(terminal_text("abc", 3) == "abc");
  CHECK(terminal_text("abcd", 3) == "ab…");
  CHECK(terminal_text("", 3) == "");
}

TEST_CASE("iso_utc") {
  CHECK(iso_utc(kNow) == "2026-09-21T14:13:20Z");
  CHECK(iso_utc(TimePoint{}) == "1970-01-01T00:00:00Z");
  CHECK(iso_utc(kNow + 999ms) == "2026-09-21T14:13:20Z");
}

TEST_CASE("ctl_actor names the Unix user when it is a plain login name") {
  const char* saved = std::getenv("USER");
  const std::string keep = saved ? saved : "";
  ::setenv("USER", "alice", 1);
  CHECK(ctl_actor() == "cli:alice");
  ::setenv("USER", "bad name\n", 1);
  CHECK(ctl_actor() == "cli");
  ::unsetenv("USER");
  CHECK(ctl_actor().starts_with("cli"));  // the passwd entry's name, when there is one
  if (saved)
    ::setenv("USER", keep.c_str(), 1);
}
