// Every (state, event) pair: the legal ones reach the expected state with the expected
// effects; every other pair is refused and changes nothing.
#include <doctest/doctest.h>

#include <map>

#include "workflow/machine.hpp"
#include "workflow/transitions.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

Policy policy() {
  Policy p;
  p.default_channels = {"site"};
  p.known_channels = {"site", "mastodon"};
  p.publish_delay = 10min;
  return p;
}

// A request in `state` with one channel, set up so that channel events concern it.
Request request_in(State state, EventKind for_event) {
  Request r;
  r.id = 7;
  r.reference = "PUB-2026-0007";
  r.state = state;
  r.version = 3;
  r.sender = "agent@example.org";
  r.text = "Inauguration de la médiathèque";
  ChannelPost site{"site", ChannelStatus::pending, "", "", ""};
  if (state == State::published)
    site.status = ChannelStatus::published;
  if (for_event == EventKind::channel_removed)
    site.status = ChannelStatus::removing;
  if (state == State::failed && for_event == EventKind::retry)
    site.status = ChannelStatus::failed;
  if (state != State::initial && state != State::received && state != State::checking) {
    r.channels.push_back(site);
  }
  if (for_event == EventKind::override_finding)
    r.findings.push_back({"personal_data.phone", Severity::blocking, "Numéro de téléphone"});
  return r;
}

Event event_of(EventKind kind) {
  Event e;
  e.kind = kind;
  e.at = kNow;
  e.actor = "test";
  e.channel = "site";
  e.post_id = "pub-2026-0007";
  e.post_url = "http://127.0.0.1:8080/site/index.html#pub-2026-0007";
  e.finding_code = "personal_data.phone";
  return e;
}

using Pair = std::pair<State, EventKind>;
using S = State;
using E = EventKind;

// Written independently of workflow/transitions.cpp, from SPEC section 2.
const std::map<Pair, State> kLegal = {
    {{S::initial, E::submitted}, S::received},
    {{S::received, E::checks_started}, S::checking},
    {{S::checking, E::checks_done}, S::awaiting_approval},  // no blocking finding
    {{S::needs_changes, E::agent_replied}, S::checking},
    {{S::needs_changes, E::override_finding}, S::checking},
    {{S::needs_changes, E::withdraw}, S::withdrawn},
    {{S::needs_changes, E::expire}, S::expired},
    {{S::awaiting_approval, E::approve}, S::scheduled},
    {{S::awaiting_approval, E::request_changes}, S::needs_changes},
    {{S::awaiting_approval, E::reject}, S::rejected},
    {{S::awaiting_approval, E::override_finding}, S::awaiting_approval},
    {{S::awaiting_approval, E::withdraw}, S::withdrawn},
    {{S::awaiting_approval, E::expire}, S::expired},
    {{S::scheduled, E::publish_due}, S::publishing},
    {{S::scheduled, E::unschedule}, S::awaiting_approval},
    {{S::scheduled, E::withdraw}, S::withdrawn},
    {{S::scheduled, E::takedown}, S::taken_down},
    {{S::publishing, E::channel_published}, S::published},
    {{S::publishing, E::channel_failed}, S::failed},
    {{S::publishing, E::channel_unconfirmed}, S::publishing},
    // A takedown cannot wait for a publication under way to finish (SPEC 3.5: immediate).
    {{S::publishing, E::takedown}, S::taken_down},
    {{S::failed, E::channel_published}, S::failed},
    {{S::failed, E::channel_failed}, S::failed},
    {{S::failed, E::channel_unconfirmed}, S::failed},
    {{S::failed, E::retry}, S::publishing},
    {{S::failed, E::cancel}, S::withdrawn},
    {{S::failed, E::takedown}, S::taken_down},
    {{S::published, E::takedown}, S::taken_down},
    {{S::taken_down, E::channel_removed}, S::taken_down},
    // A post whose creation was under way at the takedown is removed as soon as it exists.
    {{S::taken_down, E::channel_published}, S::taken_down},
    {{S::withdrawn, E::channel_published}, S::withdrawn},
    {{S::withdrawn, E::channel_removed}, S::withdrawn},
};

}  // namespace

TEST_CASE("every state x event pair is legal exactly as the SPEC says") {
  int legal = 0, illegal = 0;
  for (State s : kAllStates) {
    for (EventKind e : kAllEvents) {
      CAPTURE(to_string(s));
      CAPTURE(to_string(e));
      const Request before = request_in(s, e);
      const auto result = apply(before, event_of(e), policy());
      const auto it = kLegal.find({s, e});
      if (it != kLegal.end()) {
        REQUIRE(std::holds_alternative<Outcome>(result));
        const auto& o = std::get<Outcome>(result);
        CHECK(o.request.state == it->second);
        CHECK(o.request.version == before.version + 1);
        CHECK(o.request.updated_at == kNow);
        ++legal;
      } else {
        REQUIRE(std::holds_alternative<Refusal>(result));
        CHECK_FALSE(std::get<Refusal>(result).reason.empty());
        ++illegal;
      }
    }
  }
  CHECK(legal == static_cast<int>(kLegal.size()));
  CHECK(legal + illegal == 13 * 19);
}

TEST_CASE("the table holds no row that the SPEC list lacks") {
  for (const auto& t : transitions()) {
    CAPTURE(to_string(t.from));
    CAPTURE(to_string(t.event));
    CHECK(kLegal.count({t.from, t.event}) == 1);
  }
}

TEST_CASE("submission starts the checks; the acknowledgement waits for their findings") {
  auto o = std::get<Outcome>(
      apply(request_in(S::initial, E::submitted), event_of(E::submitted), policy()));
  REQUIRE(o.effects.size() == 1);
  CHECK(o.effects[0].kind == EffectKind::run_checks);
}

TEST_CASE("a blocking finding sends the request back to the agent with an expiry timer") {
  auto e = event_of(E::checks_done);
  e.findings = {{"text.missing", Severity::blocking, "Texte manquant"}};
  auto o = std::get<Outcome>(apply(request_in(S::checking, E::checks_done), e, policy()));
  CHECK(o.request.state == S::needs_changes);
  CHECK(o.request.findings == e.findings);
  REQUIRE(o.timers.size() == 1);
  CHECK(o.timers[0].fires == E::expire);
  CHECK(o.timers[0].due == kNow + policy().needs_changes_expiry);
  CHECK(o.effects == std::vector<Effect>{{EffectKind::mail, "needs_changes", "agent", ""}});
}

TEST_CASE("passing checks propose the default channels and notify the referent") {
  auto e = event_of(E::checks_done);
  e.findings = {{"author.missing", Severity::warning, "Auteur ?"}};
  auto o = std::get<Outcome>(apply(request_in(S::checking, E::checks_done), e, policy()));
  CHECK(o.request.state == S::awaiting_approval);
  REQUIRE(o.request.channels.size() == 1);
  CHECK(o.request.channels[0].channel == "site");
  CHECK(o.effects == std::vector<Effect>{{EffectKind::mail, "ack", "agent", ""},
                                         {EffectKind::mail, "referent_request", "referent", ""}});
}

TEST_CASE("approve schedules at the chosen time or after the policy delay") {
  auto e = event_of(E::approve);
  auto o = std::get<Outcome>(apply(request_in(S::awaiting_approval, E::approve), e, policy()));
  REQUIRE(o.request.publish_at);
  CHECK(*o.request.publish_at == kNow + 10min);
  REQUIRE(o.timers.size() == 1);
  CHECK(o.timers[0] == Timer{E::publish_due, kNow + 10min});

  e.publish_at = kNow + 48h;
  e.channels = {"site", "mastodon"};
  e.text = "Texte revu";
  o = std::get<Outcome>(apply(request_in(S::awaiting_approval, E::approve), e, policy()));
  CHECK(*o.request.publish_at == kNow + 48h);
  CHECK(o.request.channels.size() == 2);
  CHECK(o.request.text == "Texte revu");

  SUBCASE("a time in the past means as soon as allowed") {
    e.publish_at = kNow - 1h;
    o = std::get<Outcome>(apply(request_in(S::awaiting_approval, E::approve), e, policy()));
    CHECK(*o.request.publish_at == kNow + 10min);
  }
}

TEST_CASE("approve with an unknown channel is refused, naming the reason") {
  auto e = event_of(E::approve);
  e.channels = {"myspace"};
  auto r = apply(request_in(S::awaiting_approval, E::approve), e, policy());
  REQUIRE(std::holds_alternative<Refusal>(r));
  CHECK(std::get<Refusal>(r).reason.find("not configured") != std::string::npos);
}

TEST_CASE("in a pre-election period, approval needs its confirmation") {
  Request r = request_in(S::awaiting_approval, E::approve);
  r.findings.push_back(
      {std::string(kElectionPeriodFinding), Severity::warning, "Période électorale"});
  auto e = event_of(E::approve);
  auto refused = apply(r, e, policy());
  REQUIRE(std::holds_alternative<Refusal>(refused));
  CHECK(std::get<Refusal>(refused).reason.find("pre-election") != std::string::npos);
  e.election_confirmed = true;
  auto o = std::get<Outcome>(apply(r, e, policy()));
  CHECK(o.request.state == S::scheduled);
  // Outside such a period the confirmation changes nothing.
  CHECK(std::holds_alternative<Outcome>(
      apply(request_in(S::awaiting_approval, E::approve), e, policy())));

  SUBCASE("checked before the period, approved or published in it") {
    Policy p = policy();
    const auto day = std::chrono::floor<std::chrono::days>(kNow);
    p.election_periods = {{day + std::chrono::days(2), day + std::chrono::days(30)}};
    auto plain = event_of(E::approve);
    const Request before = request_in(S::awaiting_approval, E::approve);
    CHECK(std::holds_alternative<Outcome>(apply(before, plain, p)));
    plain.publish_at = kNow + 72h;  // in the period
    CHECK(std::holds_alternative<Refusal>(apply(before, plain, p)));
    plain.publish_at.reset();
    plain.at = kNow + 48h;
    CHECK(std::holds_alternative<Refusal>(apply(before, plain, p)));
    plain.election_confirmed = true;
    CHECK(std::holds_alternative<Outcome>(apply(before, plain, p)));
  }
}

TEST_CASE("publishing waits for every channel before published") {
  Request r = request_in(S::publishing, E::channel_published);
  r.channels.push_back({"mastodon", ChannelStatus::pending, "", "", ""});
  auto o = std::get<Outcome>(apply(r, event_of(E::channel_published), policy()));
  CHECK(o.request.state == S::publishing);
  CHECK(o.request.channel("site")->status == ChannelStatus::published);
  CHECK(o.request.channel("site")->url.find("#pub-2026-0007") != std::string::npos);
  CHECK(o.effects.empty());

  auto e = event_of(E::channel_published);
  e.channel = "mastodon";
  auto o2 = std::get<Outcome>(apply(o.request, e, policy()));
  CHECK(o2.request.state == S::published);
  CHECK(o2.effects == std::vector<Effect>{{EffectKind::mail, "published", "agent", ""}});

  SUBCASE("a second confirmation of the same channel is refused") {
    CHECK(std::holds_alternative<Refusal>(apply(o2.request, e, policy())));
  }
}

TEST_CASE("publish_due publishes every chosen channel; takedown removes every published one") {
  Request r = request_in(S::scheduled, E::publish_due);
  r.channels.push_back({"mastodon", ChannelStatus::pending, "", "", ""});
  auto o = std::get<Outcome>(apply(r, event_of(E::publish_due), policy()));
  CHECK(o.effects.size() == 2);
  CHECK(o.effects[0] == Effect{EffectKind::publish, "", "", "site"});

  Request p = request_in(S::published, E::takedown);
  auto t = std::get<Outcome>(apply(p, event_of(E::takedown), policy()));
  CHECK(t.request.channel("site")->status == ChannelStatus::removing);
  CHECK(t.effects == std::vector<Effect>{{EffectKind::remove, "", "", "site"}});
}

TEST_CASE("the Mermaid diagram draws every row") {
  const auto d = mermaid_diagram();
  CHECK(d.rfind("stateDiagram-v2", 0) == 0);
  CHECK(d.find("[*] --> received : submitted") != std::string::npos);
  CHECK(d.find("awaiting_approval --> scheduled : approve [approvable]") != std::string::npos);
}

TEST_CASE("a takedown during publishing stops pending channels and removes a late post") {
  Request r = request_in(State::publishing, EventKind::takedown);
  r.channels.push_back({"x", ChannelStatus::published, "1", "https://x.example/1", ""});
  auto result = apply(r, event_of(EventKind::takedown), policy());
  REQUIRE(std::holds_alternative<Outcome>(result));
  auto& o = std::get<Outcome>(result);
  CHECK(o.request.state == State::taken_down);
  CHECK(o.request.channel("site")->status == ChannelStatus::removed);
  CHECK(o.request.channel("x")->status == ChannelStatus::removing);
  REQUIRE(o.effects.size() == 1);
  CHECK(o.effects[0] == Effect{EffectKind::remove, "", "", "x"});

  // The site's create call was already under way: its post is removed as soon as it exists.
  auto late = apply(o.request, event_of(EventKind::channel_published), policy());
  REQUIRE(std::holds_alternative<Outcome>(late));
  auto& l = std::get<Outcome>(late);
  CHECK(l.request.state == State::taken_down);
  CHECK(l.request.channel("site")->status == ChannelStatus::removing);
  CHECK(l.request.channel("site")->post_id == "pub-2026-0007");
  REQUIRE(l.effects.size() == 1);
  CHECK(l.effects[0] == Effect{EffectKind::remove, "", "", "site"});
}

TEST_CASE("a channel in doubt: retried as unconfirmed, removed by a takedown, late posts removed") {
  // A failed channel may hide a create whose answer was lost: a retry looks first.
  Request r = request_in(State::failed, EventKind::retry);
  auto retried = apply(r, event_of(EventKind::retry), policy());
  REQUIRE(std::holds_alternative<Outcome>(retried));
  CHECK(std::get<Outcome>(retried).request.channel("site")->status ==
        ChannelStatus::unconfirmed);

  // A takedown removes a failed channel too (the removal looks for the post first).
  auto taken = apply(r, event_of(EventKind::takedown), policy());
  REQUIRE(std::holds_alternative<Outcome>(taken));
  const auto& t = std::get<Outcome>(taken);
  CHECK(t.request.channel("site")->status == ChannelStatus::removing);
  REQUIRE(t.effects.size() == 1);
  CHECK(t.effects[0] == Effect{EffectKind::remove, "", "", "site"});

  // Its create lands after all: the post is removed, and a removal that found nothing before
  // it landed does not close the channel.
  auto late = apply(t.request, event_of(EventKind::channel_published), policy());
  REQUIRE(std::holds_alternative<Outcome>(late));
  const auto& l = std::get<Outcome>(late);
  CHECK(l.request.channel("site")->post_id == "pub-2026-0007");
  Event found_nothing = event_of(EventKind::channel_removed);
  found_nothing.post_id.clear();
  CHECK(std::holds_alternative<Refusal>(apply(l.request, found_nothing, policy())));
  auto removed = apply(l.request, event_of(EventKind::channel_removed), policy());
  REQUIRE(std::holds_alternative<Outcome>(removed));
  CHECK(std::get<Outcome>(removed).request.channel("site")->status == ChannelStatus::removed);

  // Cancelled while a create was on the wire: the late post is removed as well.
  auto cancelled = apply(r, event_of(EventKind::cancel), policy());
  REQUIRE(std::holds_alternative<Outcome>(cancelled));
  Request w = std::get<Outcome>(cancelled).request;
  CHECK(w.state == State::withdrawn);
  w.channel("site")->status = ChannelStatus::removed;  // as a pending channel would be
  auto late_after_cancel = apply(w, event_of(EventKind::channel_published), policy());
  REQUIRE(std::holds_alternative<Outcome>(late_after_cancel));
  CHECK(std::get<Outcome>(late_after_cancel).request.channel("site")->status ==
        ChannelStatus::removing);
}

TEST_CASE("an agent's reply amends the request; an override is recorded and re-checked") {
  Request r;
  r.state = State::needs_changes;
  r.text = "old";
  r.author = "A";
  r.declaration = {"Léa Dupont", "", "", {"site"}};
  Event e;
  e.kind = EventKind::agent_replied;
  e.text = "new text";
  e.author = "";
  e.declaration = Declaration{"", "formulaire joint", "14/03/2026", {}};
  const auto out = std::get<Outcome>(apply(r, e, Policy{}));
  CHECK(out.request.text == "new text");
  CHECK(out.request.author == "A");
  CHECK(out.request.declaration ==
        Declaration{"Léa Dupont", "formulaire joint", "14/03/2026", {"site"}});
  CHECK(out.request.state == State::checking);

  Event o;
  o.kind = EventKind::override_finding;
  o.finding_code = "personal_data.phone";
  o.reason = "numéro de l'accueil";
  o.actor = "referent:r@example.org";
  r.findings = {{"personal_data.phone", Severity::blocking, "…"}};
  auto lifted = std::get<Outcome>(apply(r, o, Policy{}));
  REQUIRE(lifted.request.overrides.size() == 1);
  CHECK(lifted.request.overrides[0].reason == "numéro de l'accueil");
  CHECK(lifted.request.findings[0].severity == Severity::info);
  CHECK(lifted.request.state == State::checking);
  // While the checks run again, a second override waits: the machine refuses it.
  CHECK(std::holds_alternative<Refusal>(apply(lifted.request, o, Policy{})));

  SUBCASE("the agent contests a finding; approving lifts it in the referent's name") {
    Event reply;
    reply.kind = EventKind::agent_replied;
    reply.actor = "agent:a@example.org";
    reply.reason = "c'est le standard de la mairie";
    reply.contested = {"personal_data.phone", "consent.missing", "image.blurred"};
    r.findings.push_back({"consent.missing", Severity::blocking, "…"});
    const auto contested = std::get<Outcome>(apply(r, reply, Policy{}));
    REQUIRE(contested.request.overrides.size() == 1);  // not consent, not a code it lacks
    CHECK(contested.request.overrides[0].actor == "agent:a@example.org");

    Request waiting = contested.request;
    waiting.state = State::awaiting_approval;
    waiting.findings = {
        {"personal_data.phone", Severity::warning, "Numéro (Contesté par l'agent : x. …)"}};
    Event approve;
    approve.kind = EventKind::approve;
    approve.actor = "referent:r@example.org";
    Policy p;
    p.default_channels = p.known_channels = {"site"};
    const auto approved = std::get<Outcome>(apply(waiting, approve, p));
    CHECK(approved.request.overrides[0].actor == "referent:r@example.org");
    CHECK(approved.request.overrides[0].reason ==
          "contesté par l'agent (c'est le standard de la mairie) et approuvé");
    CHECK(approved.request.findings[0].severity == Severity::info);
    CHECK(approved.request.findings[0].message.find("Contesté") == std::string::npos);
  }

  SUBCASE("only a finding the request has, and one the referent may lift") {
    o.finding_code = "image.blurred";
    CHECK(std::holds_alternative<Refusal>(apply(r, o, Policy{})));
    for (const char* code : {"media.taken_down", "consent.missing", "consent.refused",
                             "consent.minors", "election.period"}) {
      CAPTURE(code);
      r.findings = {{code, Severity::blocking, "…"}};
      o.finding_code = code;
      CHECK(std::holds_alternative<Refusal>(apply(r, o, Policy{})));
    }
  }
}
