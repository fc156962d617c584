// `relaisctl consent add|list|revoke` on a temporary store: consents of both scopes with their
// evidence in the blob store, persons reused by address and by name, the registry listed as
// text and JSON, a revocation that takes the person's publications down through a case, and
// every refusal and usage error leaving the store as it was.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ctl_fixture.hpp"
#include "daemon/config/config.hpp"
#include "daemon/ctl_commands.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/engine.hpp"
#include "workflow/sha256.hpp"
#include "workflow/store.hpp"

using namespace relais::daemon;
using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

using relais::daemon::test::contains;
using relais::daemon::test::kNow;
using relais::daemon::test::Run;
using Fixture = relais::daemon::test::CtlStoreFixture;

TEST_CASE_FIXTURE(Fixture, "consent add for one request, with evidence") {
  const std::string form = "%PDF-1.4 accord signé";
  const auto evidence = file("accord.pdf", form);
  const auto r =
      run({"consent", "add", "--name", "Léa Dupont", "--email", "Lea@Example.org", "--request",
           "pub-2026-0001", "--evidence", evidence.string(), "--note", "Formulaire papier."});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "consent 1 recorded: Léa Dupont (person 1, new), PUB-2026-0001\n");

  auto s = store();
  const auto c = s->load_consent(1);
  REQUIRE(c);
  CHECK(c->scope == ConsentScope::request);
  CHECK(c->request_id == first);
  CHECK(c->evidence_sha256 == sha256_hex(form));
  CHECK(c->evidence_name == "accord.pdf");
  CHECK(c->given_at == kNow);
  CHECK(c->note == "Formulaire papier.");
  CHECK_FALSE(c->minor);
  CHECK(fs::exists(dir / "media" / c->evidence_sha256.substr(0, 2) / c->evidence_sha256.substr(2)));
  CHECK(s->referenced_blobs().contains(c->evidence_sha256));
  const auto person = s->load_person(1);
  CHECK(person->email == "lea@example.org");
  CHECK(s->requests_of_person(1) == std::vector<std::int64_t>{first});
  int consent_rows = 0;
  for (const auto& row : s->audit_rows(std::nullopt, std::nullopt)) {
    if (row.kind == "consent") {
      ++consent_rows;
      CHECK(row.actor == "cli:test");
    }
  }
  CHECK(consent_rows == 3);  // person added, consent added, person linked
  CHECK_FALSE(s->verify_audit_chain());
}

TEST_CASE_FIXTURE(Fixture, "consent add for a period, as JSON; the person is found again") {
  opts.json = true;
  auto r = run({"consent", "add", "--name", "Tom Petit", "--from", "2026-10-01", "--until",
                "2026-12-31", "--minor"});
  REQUIRE(r.code == 0);
  const auto o = json::parse(r.out).as_object();
  CHECK(o.at("id") == 1);
  CHECK(o.at("scope") == "period");
  CHECK(o.at("request").is_null());
  CHECK(o.at("valid_from") == "2026-09-30T22:00:00Z");  // midnight in Paris, summer time
  CHECK(o.at("expires_at") == "2026-12-31T23:00:00Z");  // the midnight after the 31st, winter
  CHECK(o.at("minor") == true);
  CHECK(o.at("status") == "not yet valid");
  CHECK(o.at("person").as_object().at("name") == "Tom Petit");

  // By name, in any case: the same person.
  r = run({"consent", "add", "--name", "  TOM   petit ", "--request", "2"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out).as_object().at("person").as_object().at("id") == 1);
  // By address: a new person the first time, the same one after.
  r = run(
      {"consent", "add", "--name", "Tom Petit", "--email", "tom@example.org", "--request", "3"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out).as_object().at("person").as_object().at("id") == 2);
  r = run(
      {"consent", "add", "--name", "Thomas Petit", "--email", "TOM@example.org", "--request", "1"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out).as_object().at("person").as_object().at("id") == 2);
  CHECK(count("persons") == 2);

  // Two persons of that name now: by name alone is ambiguous.
  opts.json = false;
  r = run({"consent", "add", "--name", "tom petit", "--request", "1"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "several persons have that name (ids 1, 2); give --email"));
  CHECK(count("consents") == 4);
}

TEST_CASE_FIXTURE(Fixture, "consent list as a table and as JSON") {
  CHECK(run({"consent", "list"}).out == "no consents recorded\n");
  REQUIRE(run({"consent", "add", "--name", "Léa Dupont", "--email", "lea@example.org", "--request",
               "PUB-2026-0001"})
              .code == 0);
  REQUIRE(run({"consent", "add", "--name", "Tom\x1b[31m Petit", "--from", "2026-01-01", "--until",
               "2026-06-30", "--minor"})
              .code == 2);  // a control character in a name is refused
  REQUIRE(run({"consent", "add", "--name", "Tom Petit", "--from", "2026-01-01", "--until",
               "2026-06-30", "--minor"})
              .code == 0);
  REQUIRE(
      run({"consent", "add", "--name", "Ana Lima", "--from", "2026-09-01", "--until", "2027-08-31"})
          .code == 0);
  REQUIRE(run({"consent", "revoke", "3"}).code == 0);

  const auto r = run({"consent", "list"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "ID  PERSON"));
  CHECK(contains(r.out, "STATUS"));
  CHECK(contains(r.out, "Léa Dupont  lea@example.org  request"));
  CHECK(contains(r.out, "PUB-2026-0001"));
  CHECK(contains(r.out, "period, minor  2026-01-01 to 2026-06-30"));
  CHECK(contains(r.out, "expired"));
  CHECK(contains(r.out, "2026-09-01 to 2027-08-31  2026-09-21  revoked 2026-09-21"));
  CHECK(contains(r.out, "active"));

  opts.json = true;
  const auto j = run({"consent", "list"});
  REQUIRE(j.code == 0);
  const auto a = json::parse(j.out).as_array();
  REQUIRE(a.size() == 3);
  CHECK(a[0].as_object().at("status") == "active");
  CHECK(a[0].as_object().at("request") == "PUB-2026-0001");
  CHECK(a[1].as_object().at("status") == "expired");
  CHECK(a[2].as_object().at("status") == "revoked");
  CHECK(a[2].as_object().at("revoked_by") == "cli:test");
  CHECK(a[2].as_object().at("revoked_at") == "2026-09-21T14:13:20Z");
}

TEST_CASE_FIXTURE(Fixture, "consent add: usage errors and refusals change nothing") {
  for (CtlArgs args :
       {CtlArgs{"consent"},
        CtlArgs{"consent", "grant"},
        CtlArgs{"consent", "add"},
        CtlArgs{"consent", "add", "--name", " ", "--request", "1"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "--from", "2026-01-01"},
        CtlArgs{"consent", "add", "--name", "A"},
        CtlArgs{"consent", "add", "--name", "A", "--from", "2026-01-01"},
        CtlArgs{"consent", "add", "--name", "A", "--until", "2026-01-01"},
        CtlArgs{"consent", "add", "--name", "A", "--from", "2026-02-30", "--until", "2026-03-01"},
        CtlArgs{"consent", "add", "--name", "A", "--from", "2026-1-01", "--until", "2026-03-01"},
        CtlArgs{"consent", "add", "--name", "A", "--from", "+026-01-01", "--until", "2026-03-01"},
        CtlArgs{"consent", "add", "--name", "A", "--from", "2026-03-02", "--until", "2026-03-01"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "--email", "not an address"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "--email", "a@b@c.org"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "--email", "<a@b.org>"},
        CtlArgs{"consent", "add", "--name", std::string(201, 'x'), "--request", "1"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "--minor", "--minor"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "--reason", "x"},
        CtlArgs{"consent", "add", "--name", "A", "--request", "1", "extra"},
        CtlArgs{"consent", "list", "--name", "A"},
        CtlArgs{"consent", "list", "all"},
        CtlArgs{"consent", "revoke"},
        CtlArgs{"consent", "revoke", "1", "2"},
        CtlArgs{"consent", "revoke", "abc"},
        CtlArgs{"consent", "revoke", "0"},
        CtlArgs{"consent", "revoke", "1", "--reason", " "},
        CtlArgs{"consent", "revoke", "1", "--note", "x"}}) {
    CAPTURE(fmt::format("{}", fmt::join(args, " ")));
    const auto r = run(args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
  }
  auto r = run({"consent", "add", "--name", "A", "--request", "PUB-2026-0042"});
  CHECK(r.code == 1);
  CHECK(r.err == "relaisctl consent add: no request PUB-2026-0042\n");
  r = run({"consent", "add", "--name", "A", "--request", "1", "--evidence",
           (dir / "missing.pdf").string()});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "--evidence: no such file"));
  config.mail.max_message_bytes = 4;
  r = run({"consent", "add", "--name", "A", "--request", "1", "--evidence",
           file("big.pdf", "12345").string()});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "larger than mail.max_message_bytes"));
  CHECK(count("persons") == 0);
  CHECK(count("consents") == 0);
  CHECK(count("person_media") == 0);
}

TEST_CASE_FIXTURE(Fixture, "consent revoke takes the person's live publications down") {
  REQUIRE(run({"consent", "add", "--name", "Léa Dupont", "--email", "lea@example.org", "--from",
               "2026-01-01", "--until", "2026-12-31"})
              .code == 0);
  {
    Store s(dir / "relais.db", Database::Mode::read_write);
    s.begin();
    for (auto id : {first, second})
      s.link_person({1, id, std::nullopt, "referent", kNow}, "referent");
    s.commit();
  }
  const auto r = run({"consent", "revoke", "1", "--reason", "Demande de Léa par téléphone."});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "consent 1 revoked; case DI-2026-0001 opened"));
  CHECK(contains(r.out, "PUB-2026-0001, PUB-2026-0002"));

  auto s = store();
  CHECK(s->load_request(first)->state == State::taken_down);
  CHECK(s->load_request(second)->state == State::taken_down);
  CHECK(s->load_request(third)->state == State::published);
  const auto c = s->load_consent(1);
  CHECK(c->revoked_at == kNow);
  CHECK(c->revoked_by == "cli:test");
  CHECK(c->note == "revoked: Demande de Léa par téléphone.");
  const auto taken = s->find_case("DI-2026-0001");
  REQUIRE(taken);
  CHECK(taken->origin == "consent");
  CHECK_FALSE(s->verify_audit_chain());
  CHECK(s->outbox_depth() > 0);  // the removals and mails, for relaisd

  // Twice: refused, nothing changes.
  const auto audit = s->audit_count();
  const auto again = run({"consent", "revoke", "1"});
  CHECK(again.code == 1);
  CHECK(contains(again.err, "refused: Consent record 1 is already revoked."));
  CHECK(store()->audit_count() == audit);
  const auto unknown = run({"consent", "revoke", "99"});
  CHECK(unknown.code == 1);
  CHECK(contains(unknown.err, "No consent record 99."));
}

TEST_CASE_FIXTURE(Fixture, "consent revoke with nothing live opens no case") {
  opts.json = true;
  REQUIRE(run({"consent", "add", "--name", "Ana Lima", "--request", "3"}).code == 0);
  {
    Store s(dir / "relais.db", Database::Mode::read_write);
    s.db().exec("UPDATE requests SET state = 'withdrawn' WHERE id = 3");
  }
  const auto r = run({"consent", "revoke", "1"});
  REQUIRE(r.code == 0);
  const auto o = json::parse(r.out).as_object();
  CHECK(o.at("consent") == 1);
  CHECK(o.at("case").is_null());
  CHECK(o.at("requests").as_array().empty());
  CHECK(count("takedown_cases") == 0);
  CHECK(store()->load_consent(1)->revoked_at == kNow);
}

TEST_CASE_FIXTURE(Fixture, "the usage lists the consent commands") {
  CHECK(contains(std::string(ctl_usage()), "consent revoke N [--reason TEXT]"));
}
