// relaisctl override and approve --confirm-election: the referent lifts a finding the checks
// got wrong, never one about consent, a takedown or the calendar; and in a pre-election period
// an approval is confirmed on purpose.
#include <doctest/doctest.h>

#include "ctl_fixture.hpp"

using namespace relais::daemon;
using namespace relais::workflow;
using relais::daemon::test::contains;
using relais::daemon::test::kNow;
using namespace std::chrono_literals;

namespace {

struct Fixture : relais::daemon::test::CtlConfigFixture {
  std::int64_t blocked = 0, election = 0;

  Fixture() {
    Store store(db(), Database::Mode::read_write);
    store.migrate();
    Engine engine(make_policy(config));
    store.begin();
    blocked =
        add_checked(store, engine, "Forum des associations",
                    {{"personal_data.phone", Severity::blocking, "Un numéro de téléphone : 04…"},
                     {"consent.missing", Severity::blocking, "Il manque l'accord écrit."}});
    election =
        add_checked(store, engine, "Forum des associations",
                    {{"election.period", Severity::warning, "Période préélectorale."},
                     {"lexicon.politique", Severity::warning, "Terme politique : « candidat »."}});
    store.commit();
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "override lifts a finding and sends the request back to the checks") {
  REQUIRE(load(blocked).state == State::needs_changes);
  const auto r = run({"override", "PUB-2026-0001", "personal_data.phone", "--reason",
                      "numéro de l'accueil de la mairie"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "PUB-2026-0001: needs_changes -> checking"));
  const auto after = load(blocked);
  CHECK(after.state == State::checking);
  REQUIRE(after.overrides.size() == 1);
  CHECK(after.overrides[0].code == "personal_data.phone");
  CHECK(after.overrides[0].reason == "numéro de l'accueil de la mairie");
  CHECK(after.overrides[0].actor == "cli:test");
  CHECK(after.overrides[0].at == kNow);
  Store store(db(), Database::Mode::read_only);
  CHECK(store.transitions_of(blocked).back().event == "override_finding");
}

TEST_CASE_FIXTURE(Fixture, "override while awaiting approval keeps the finding, marked lifted") {
  const auto r = run({"override", "2", "lexicon.politique", "--reason", "nom d'une association"});
  CHECK(r.code == 0);
  const auto after = load(election);
  CHECK(after.state == State::awaiting_approval);
  REQUIRE(after.findings.size() == 2);
  CHECK(after.findings[1].severity == Severity::info);
  CHECK(contains(after.findings[1].message, "Levé par le référent : nom d'une association."));
  // A second reason replaces the first, in the record and in the sentence.
  REQUIRE(run({"override", "2", "lexicon.politique", "--reason", "nom propre"}).code == 0);
  const auto again = load(election);
  CHECK(again.overrides.size() == 1);
  CHECK(again.findings[1].message ==
        "Terme politique : « candidat ». (Levé par le référent : nom propre.)");
}

TEST_CASE_FIXTURE(Fixture, "override refuses what may not be lifted, and says why") {
  struct Case {
    CtlArgs args;
    int code;
    const char* says;
  };
  for (const auto& c : std::vector<Case>{
           {{"override", "1", "consent.missing", "--reason", "x"}, 1, "consent add"},
           {{"override", "1", "image.blurred", "--reason", "x"},
            1,
            "its findings: personal_data.phone, consent.missing"},
           {{"override", "2", "election.period", "--reason", "x"}, 1, "may not be lifted"},
           {{"override", "PUB-2026-0099", "personal_data.phone", "--reason", "x"}, 1, "no request"},
           {{"override", "1", "personal_data.phone"}, 2, "--reason TEXT is required"},
           {{"override", "1", "personal_data.phone", "--reason", "  "}, 2, "is required"},
           {{"override", "1", "--reason", "x"}, 2, "expected an ID and a finding CODE"},
           {{"override", "1", "personal_data.phone", "--reason", std::string(5001, 'x')},
            2,
            "longer than"},
       }) {
    CAPTURE(c.args[2]);
    const auto r = run(c.args);
    CHECK(r.code == c.code);
    CHECK(contains(r.err, c.says));
  }
  CHECK(load(blocked).state == State::needs_changes);
  CHECK(load(blocked).overrides.empty());
  CHECK(load(election).overrides.empty());
}

TEST_CASE_FIXTURE(Fixture, "in a pre-election period, approve needs --confirm-election") {
  auto r = run({"approve", "2"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "pre-election period; approve it with --confirm-election"));
  CHECK(load(election).state == State::awaiting_approval);
  r = run({"approve", "2", "--confirm-election"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(load(election).state == State::scheduled);
  Store store(db(), Database::Mode::read_only);
  CHECK(store.transitions_of(election).back().event == "approve");
}
