// `relaisctl takedown ID`: a live request taken down through a case (certain by reference), its
// media blocked, the requester answered when given; refusals and usage errors change nothing.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "ctl_fixture.hpp"

using namespace relais::daemon;
using namespace relais::daemon::test;
namespace json = boost::json;

TEST_CASE_FIXTURE(CtlStoreFixture, "takedown removes a published request through a case") {
  const auto r = run({"takedown", "pub-2026-0002", "--reason", "Appel de la personne photographiée",
                      "--requester", "Lea@Example.org"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out,
                 "case DI-2026-0001 opened (matched); PUB-2026-0002: published -> "
                 "taken_down"));
  auto s = store();
  CHECK(s->load_request(second)->state == State::taken_down);
  CHECK(s->load_request(first)->state == State::published);
  const auto c = s->find_case("DI-2026-0001");
  REQUIRE(c);
  CHECK(c->origin == "cli");
  CHECK(c->requester == "lea@example.org");
  CHECK(contains(c->text, "Appel de la personne photographiée"));
  const auto matches = s->case_matches(c->id);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].request_id == second);
  CHECK(matches[0].certain);
  CHECK(matches[0].confirmed_at);
  bool opened_by_cli = false;
  for (const auto& row : s->audit_rows(std::nullopt, c->id))
    opened_by_cli = opened_by_cli || (row.event == "opened" && row.actor == "cli:test");
  CHECK(opened_by_cli);
  CHECK_FALSE(s->verify_audit_chain());
  CHECK(s->outbox_depth() > 0);  // the removal from `site` and the mails, for relaisd
}

TEST_CASE_FIXTURE(CtlStoreFixture, "takedown as JSON, without a requester") {
  opts.json = true;
  const auto r = run({"takedown", "1"});
  REQUIRE(r.code == 0);
  const auto o = json::parse(r.out).as_object();
  CHECK(o.at("case") == "DI-2026-0001");
  CHECK(o.at("case_state") == "matched");
  CHECK(o.at("request").as_object().at("state") == "taken_down");
  CHECK(store()->find_case("DI-2026-0001")->requester.empty());
}

TEST_CASE_FIXTURE(CtlStoreFixture, "takedown refusals and usage errors change nothing") {
  REQUIRE(run({"takedown", "1"}).code == 0);
  const auto audit = store()->audit_count();
  auto r = run({"takedown", "1"});
  CHECK(r.code == 1);
  CHECK(contains(r.err,
                 "refused: PUB-2026-0001 is taken_down; only a scheduled or published "
                 "request can be taken down (nothing changed)"));
  r = run({"takedown", "PUB-2026-0099"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "no request PUB-2026-0099"));
  r = run({"takedown"});
  CHECK(r.code == 2);
  r = run({"takedown", "2", "--reason", "   "});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--reason must be 1 to 5000 bytes"));
  r = run({"takedown", "2", "--requester", "lea at example"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--requester must be a plain address"));
  r = run({"takedown", "2", "--channel", "x"});
  CHECK(r.code == 2);
  CHECK(store()->audit_count() == audit);
  CHECK(store()->load_request(second)->state == State::published);
}

TEST_CASE_FIXTURE(CtlStoreFixture, "the usage lists takedown") {
  CHECK(contains(std::string(ctl_usage()), "takedown ID [--reason TEXT] [--requester ADDR]"));
}
