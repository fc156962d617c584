// The publication workflow as data. Guards and actions are named first, then the table.
// Actions only change the Outcome (request copy, effects, timers); they do no I/O.
#include "workflow/transitions.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "workflow/checks.hpp"

namespace relais::workflow {
namespace {

// ---- guards --------------------------------------------------------------------------------

bool has_blocking(const Request&, const Event& e, const Policy&) {
  return std::any_of(e.findings.begin(), e.findings.end(),
                     [](const Finding& f) { return f.severity == Severity::blocking; });
}
bool no_blocking(const Request& r, const Event& e, const Policy& p) {
  return !has_blocking(r, e, p);
}
bool channels_known(const Request&, const Event& e, const Policy& p) {
  const auto& chosen = e.channels.empty() ? p.default_channels : e.channels;
  if (chosen.empty())
    return false;
  return std::all_of(chosen.begin(), chosen.end(), [&](const std::string& c) {
    return std::find(p.known_channels.begin(), p.known_channels.end(), c) != p.known_channels.end();
  });
}
// In a pre-election period every approval is confirmed on purpose (the charters' duty of
// neutrality), whichever way it arrives: link, relaisctl or API.
bool approvable(const Request& r, const Event& e, const Policy& p) {
  return channels_known(r, e, p) && (e.election_confirmed || !needs_election_confirmation(r, e, p));
}
bool liftable(const Request& r, const Event& e, const Policy&) {
  return can_lift(r, e.finding_code);
}
std::size_t outstanding(const Request& r) {
  return static_cast<std::size_t>(std::count_if(r.channels.begin(), r.channels.end(), [](auto& c) {
    return c.status == ChannelStatus::pending || c.status == ChannelStatus::unconfirmed;
  }));
}
bool is_outstanding(const Request& r, const Event& e) {
  const auto* c = r.channel(e.channel);
  return c && (c->status == ChannelStatus::pending || c->status == ChannelStatus::unconfirmed);
}
bool last_outstanding(const Request& r, const Event& e, const Policy&) {
  return is_outstanding(r, e) && outstanding(r) == 1;
}
bool others_outstanding(const Request& r, const Event& e, const Policy&) {
  return is_outstanding(r, e) && outstanding(r) > 1;
}
bool channel_outstanding(const Request& r, const Event& e, const Policy&) {
  return is_outstanding(r, e);
}
// A post that a create made after the request was taken down, withdrawn or cancelled: the
// channel was still waiting (pending, removed before it was made), or is being removed
// without knowing of any post (it was unconfirmed when the takedown came).
bool channel_late(const Request& r, const Event& e, const Policy&) {
  const auto* c = r.channel(e.channel);
  return c && (c->status == ChannelStatus::removed || c->status == ChannelStatus::pending ||
               (c->status == ChannelStatus::removing && c->post_id.empty()));
}
// The removal of the post the channel knows of (or of whatever was found, when it knew of
// none): a removal that found nothing does not close a channel whose late post came since.
bool channel_removing(const Request& r, const Event& e, const Policy&) {
  const auto* c = r.channel(e.channel);
  return c && c->status == ChannelStatus::removing &&
         (c->post_id.empty() || c->post_id == e.post_id);
}

constexpr Guard kHasBlocking{"has_blocking", has_blocking, "the findings hold no blocking one"};
constexpr Guard kNoBlocking{"no_blocking", no_blocking, "a finding is blocking"};
constexpr Guard kApprovable{"approvable", approvable,
                            "a chosen channel is not configured, none is chosen, or the request "
                            "was sent in a pre-election period and the approval is not confirmed"};
constexpr Guard kLiftable{"liftable", liftable,
                          "the request has no such finding, or it may not be lifted"};
constexpr Guard kLastOutstanding{"last_outstanding", last_outstanding,
                                 "the channel is not awaiting publication"};
constexpr Guard kOthersOutstanding{"others_outstanding", others_outstanding,
                                   "the channel is not awaiting publication"};
constexpr Guard kChannelOutstanding{"channel_outstanding", channel_outstanding,
                                    "the channel is not awaiting publication"};
constexpr Guard kChannelLate{"channel_late", channel_late,
                             "the channel was not awaiting publication when it was taken down"};
constexpr Guard kChannelRemoving{"channel_removing", channel_removing,
                                 "the channel is not being removed"};

// ---- actions -------------------------------------------------------------------------------

void mail(Outcome& o, const char* name, const char* to) {
  o.effects.push_back({EffectKind::mail, name, to, ""});
}

void run_checks(Outcome& o, const Event&, const Policy&) {
  o.effects.push_back({EffectKind::run_checks, "", "", ""});
}
void store_findings(Outcome& o, const Event& e, const Policy&) {
  o.request.findings = e.findings;
}
void propose_channels(Outcome& o, const Event&, const Policy& p) {
  if (!o.request.channels.empty())
    return;
  for (const auto& c : wished_channels(o.request, p))
    o.request.channels.push_back({c, ChannelStatus::pending, "", "", ""});
}
void take_reply(Outcome& o, const Event& e, const Policy&) {
  auto& r = o.request;
  if (e.text && !e.text->empty())
    r.text = *e.text;
  if (e.author && !e.author->empty())
    r.author = *e.author;
  if (e.declaration) {
    const auto& d = *e.declaration;
    if (!d.people.empty())
      r.declaration.people = d.people;
    if (!d.consent.empty())
      r.declaration.consent = d.consent;
    if (!d.event_date.empty())
      r.declaration.event_date = d.event_date;
    if (!d.networks.empty())
      r.declaration.networks = d.networks;
  }
  // A contest waits beside the findings for the referent, who lifts the finding by approving.
  for (const auto& code : e.contested) {
    if (!contestable(r, code))
      continue;
    std::erase_if(r.overrides, [&](const FindingOverride& f) { return f.code == code; });
    r.overrides.push_back({code, e.reason, e.actor, e.at});
  }
  r.note.clear();
}
// One override per finding code: a second one replaces the reason.
void record_override(Outcome& o, const Event& e, const Policy&) {
  auto& list = o.request.overrides;
  std::erase_if(list, [&](const FindingOverride& f) { return f.code == e.finding_code; });
  list.push_back({e.finding_code, e.reason, e.actor, e.at});
  for (auto& f : o.request.findings) {
    if (f.code == e.finding_code)
      lift(f, e.reason);
  }
}
// Approving a request whose agent contested findings lifts them: the record then names the
// referent who did, and the findings read as lifted.
void accept_contests(Outcome& o, const Event& e, const Policy&) {
  for (auto& c : o.request.overrides) {
    if (!is_contest(c))
      continue;
    c.reason = fmt::format("contesté par l'agent ({}) et approuvé", c.reason);
    c.actor = e.actor;
    c.at = e.at;
    for (auto& f : o.request.findings) {
      if (f.code == c.code)
        lift(f, c.reason);
    }
  }
}
void keep_note(Outcome& o, const Event& e, const Policy&) {
  o.request.note = e.reason;
}
void choose_channels(Outcome& o, const Event& e, const Policy& p) {
  const auto& chosen = e.channels.empty() ? p.default_channels : e.channels;
  o.request.channels.clear();
  for (const auto& c : chosen)
    o.request.channels.push_back({c, ChannelStatus::pending, "", "", ""});
  if (e.text && !e.text->empty())
    o.request.text = *e.text;
}
void set_publish_time(Outcome& o, const Event& e, const Policy& p) {
  const TimePoint earliest =
      e.at + std::chrono::duration_cast<std::chrono::milliseconds>(p.publish_delay);
  o.request.publish_at = e.publish_at && *e.publish_at > e.at ? *e.publish_at : earliest;
}
void arm_publish(Outcome& o, const Event&, const Policy&) {
  o.timers.push_back({EventKind::publish_due, *o.request.publish_at});
}
void arm_approval_expiry(Outcome& o, const Event& e, const Policy& p) {
  o.timers.push_back({EventKind::expire, e.at + p.approval_expiry});
}
void arm_changes_expiry(Outcome& o, const Event& e, const Policy& p) {
  o.timers.push_back({EventKind::expire, e.at + p.needs_changes_expiry});
}
void publish_all(Outcome& o, const Event&, const Policy&) {
  for (auto& c : o.request.channels) {
    if (c.status == ChannelStatus::pending || c.status == ChannelStatus::unconfirmed) {
      o.effects.push_back({EffectKind::publish, "", "", c.channel});
    }
  }
}
// Failed channels go out again as unconfirmed: a failure may follow a create whose answer was
// lost, so the new attempt looks on the network before creating.
void publish_failed_channels(Outcome& o, const Event&, const Policy&) {
  for (auto& c : o.request.channels) {
    if (c.status == ChannelStatus::failed) {
      c.status = ChannelStatus::unconfirmed;
      c.error.clear();
      o.effects.push_back({EffectKind::publish, "", "", c.channel});
    }
  }
}
void mark_published(Outcome& o, const Event& e, const Policy&) {
  if (auto* c = o.request.channel(e.channel)) {
    c->status = ChannelStatus::published;
    c->post_id = e.post_id;
    c->url = e.post_url;
    c->error.clear();
  }
}
void mark_failed(Outcome& o, const Event& e, const Policy&) {
  if (auto* c = o.request.channel(e.channel)) {
    c->status = ChannelStatus::failed;
    c->error = e.reason;
  }
}
void mark_unconfirmed(Outcome& o, const Event& e, const Policy&) {
  if (auto* c = o.request.channel(e.channel)) {
    c->status = ChannelStatus::unconfirmed;
    c->error = e.reason;
  }
}
void mark_removed(Outcome& o, const Event& e, const Policy&) {
  if (auto* c = o.request.channel(e.channel))
    c->status = ChannelStatus::removed;
}
void remove_published(Outcome& o, const Event& e, const Policy&) {
  o.request.note = e.reason;
  for (auto& c : o.request.channels) {
    // A failed channel too: its create may have landed though its answer never came.
    if (c.status == ChannelStatus::published || c.status == ChannelStatus::unconfirmed ||
        c.status == ChannelStatus::failed) {
      c.status = ChannelStatus::removing;
      o.effects.push_back({EffectKind::remove, "", "", c.channel});
    } else if (c.status == ChannelStatus::pending) {
      // Never created: its publish effect finds the channel no longer pending and stops.
      c.status = ChannelStatus::removed;
    }
  }
}
// A create call that was already under way when the takedown came: the post exists now,
// so it goes at once.
void remove_late_post(Outcome& o, const Event& e, const Policy&) {
  if (auto* c = o.request.channel(e.channel)) {
    c->status = ChannelStatus::removing;
    c->post_id = e.post_id;
    c->url = e.post_url;
    o.effects.push_back({EffectKind::remove, "", "", c->channel});
  }
}
void mail_agent_ack(Outcome& o, const Event&, const Policy&) {
  mail(o, "ack", "agent");
}
void mail_referent_request(Outcome& o, const Event&, const Policy&) {
  mail(o, "referent_request", "referent");
}
void mail_agent_needs_changes(Outcome& o, const Event&, const Policy&) {
  mail(o, "needs_changes", "agent");
}
void mail_agent_scheduled(Outcome& o, const Event&, const Policy&) {
  mail(o, "scheduled", "agent");
}
void mail_agent_published(Outcome& o, const Event&, const Policy&) {
  mail(o, "published", "agent");
}
void mail_agent_rejected(Outcome& o, const Event&, const Policy&) {
  mail(o, "rejected", "agent");
}
void mail_agent_closed(Outcome& o, const Event&, const Policy&) {
  mail(o, "closed", "agent");
}
void mail_referent_failed(Outcome& o, const Event&, const Policy&) {
  mail(o, "publish_failed", "referent");
}

constexpr Action kRunChecks{"run_checks", run_checks};
constexpr Action kStoreFindings{"store_findings", store_findings};
constexpr Action kProposeChannels{"propose_channels", propose_channels};
constexpr Action kTakeReply{"take_reply", take_reply};
constexpr Action kRecordOverride{"record_override", record_override};
constexpr Action kAcceptContests{"accept_contests", accept_contests};
constexpr Action kKeepNote{"keep_note", keep_note};
constexpr Action kChooseChannels{"choose_channels", choose_channels};
constexpr Action kSetPublishTime{"set_publish_time", set_publish_time};
constexpr Action kArmPublish{"arm_publish", arm_publish};
constexpr Action kArmApprovalExpiry{"arm_approval_expiry", arm_approval_expiry};
constexpr Action kArmChangesExpiry{"arm_changes_expiry", arm_changes_expiry};
constexpr Action kPublishAll{"publish_all", publish_all};
constexpr Action kPublishFailed{"publish_failed_channels", publish_failed_channels};
constexpr Action kMarkPublished{"mark_published", mark_published};
constexpr Action kMarkFailed{"mark_failed", mark_failed};
constexpr Action kMarkRemoved{"mark_removed", mark_removed};
constexpr Action kMarkUnconfirmed{"mark_unconfirmed", mark_unconfirmed};
constexpr Action kRemovePublished{"remove_published", remove_published};
constexpr Action kRemoveLatePost{"remove_late_post", remove_late_post};
constexpr Action kMailAgentAck{"mail_agent_ack", mail_agent_ack};
constexpr Action kMailReferentRequest{"mail_referent_request", mail_referent_request};
constexpr Action kMailAgentNeedsChanges{"mail_agent_needs_changes", mail_agent_needs_changes};
constexpr Action kMailAgentScheduled{"mail_agent_scheduled", mail_agent_scheduled};
constexpr Action kMailAgentPublished{"mail_agent_published", mail_agent_published};
constexpr Action kMailAgentRejected{"mail_agent_rejected", mail_agent_rejected};
constexpr Action kMailAgentClosed{"mail_agent_closed", mail_agent_closed};
constexpr Action kMailReferentFailed{"mail_referent_failed", mail_referent_failed};

using S = State;
using E = EventKind;

// clang-format off
constexpr Transition kTable[] = {
  // source             event                  guard                 actions                                                                            target
  {S::initial,           E::submitted,          nullptr,              {&kRunChecks},                                                                     S::received},
  {S::received,          E::checks_started,     nullptr,              {},                                                                                S::checking},
  {S::checking,          E::checks_done,        &kNoBlocking,         {&kStoreFindings, &kProposeChannels, &kMailAgentAck, &kMailReferentRequest, &kArmApprovalExpiry}, S::awaiting_approval},
  {S::checking,          E::checks_done,        &kHasBlocking,        {&kStoreFindings, &kMailAgentNeedsChanges, &kArmChangesExpiry},                   S::needs_changes},
  {S::needs_changes,     E::agent_replied,      nullptr,              {&kTakeReply, &kRunChecks},                                                        S::checking},
  {S::needs_changes,     E::override_finding,   &kLiftable,           {&kRecordOverride, &kRunChecks},                                                   S::checking},
  {S::needs_changes,     E::withdraw,           nullptr,              {&kKeepNote},                                                                      S::withdrawn},
  {S::needs_changes,     E::expire,             nullptr,              {&kMailAgentClosed},                                                               S::expired},
  {S::awaiting_approval, E::approve,            &kApprovable,         {&kAcceptContests, &kChooseChannels, &kSetPublishTime, &kArmPublish, &kMailAgentScheduled}, S::scheduled},
  {S::awaiting_approval, E::request_changes,    nullptr,              {&kKeepNote, &kMailAgentNeedsChanges, &kArmChangesExpiry},                         S::needs_changes},
  {S::awaiting_approval, E::reject,             nullptr,              {&kKeepNote, &kMailAgentRejected},                                                 S::rejected},
  {S::awaiting_approval, E::override_finding,   &kLiftable,           {&kRecordOverride, &kMailReferentRequest},                                         S::awaiting_approval},
  {S::awaiting_approval, E::withdraw,           nullptr,              {&kKeepNote},                                                                      S::withdrawn},
  {S::awaiting_approval, E::expire,             nullptr,              {&kMailAgentClosed},                                                               S::expired},
  {S::scheduled,         E::publish_due,        nullptr,              {&kPublishAll},                                                                    S::publishing},
  {S::scheduled,         E::unschedule,         nullptr,              {&kMailReferentRequest, &kArmApprovalExpiry},                                      S::awaiting_approval},
  {S::scheduled,         E::withdraw,           nullptr,              {&kKeepNote},                                                                      S::withdrawn},
  {S::scheduled,         E::takedown,           nullptr,              {&kRemovePublished},                                                               S::taken_down},
  {S::publishing,        E::channel_published,  &kLastOutstanding,    {&kMarkPublished, &kMailAgentPublished},                                           S::published},
  {S::publishing,        E::channel_published,  &kOthersOutstanding,  {&kMarkPublished},                                                                 S::publishing},
  {S::publishing,        E::channel_failed,     &kChannelOutstanding, {&kMarkFailed, &kMailReferentFailed},                                              S::failed},
  {S::publishing,        E::channel_unconfirmed, &kChannelOutstanding, {&kMarkUnconfirmed},                                                           S::publishing},
  {S::publishing,        E::takedown,           nullptr,              {&kRemovePublished},                                                               S::taken_down},
  {S::failed,            E::channel_published,  &kChannelOutstanding, {&kMarkPublished},                                                                 S::failed},
  {S::failed,            E::channel_failed,     &kChannelOutstanding, {&kMarkFailed, &kMailReferentFailed},                                              S::failed},
  {S::failed,            E::channel_unconfirmed, &kChannelOutstanding, {&kMarkUnconfirmed},                                                           S::failed},
  {S::failed,            E::retry,              nullptr,              {&kPublishFailed},                                                                 S::publishing},
  {S::failed,            E::cancel,             nullptr,              {&kRemovePublished},                                                               S::withdrawn},
  {S::failed,            E::takedown,           nullptr,              {&kRemovePublished},                                                               S::taken_down},
  {S::published,         E::takedown,           nullptr,              {&kRemovePublished},                                                               S::taken_down},
  {S::taken_down,        E::channel_removed,    &kChannelRemoving,    {&kMarkRemoved},                                                                   S::taken_down},
  {S::taken_down,        E::channel_published,  &kChannelLate,        {&kRemoveLatePost},                                                                S::taken_down},
  {S::withdrawn,         E::channel_published,  &kChannelLate,        {&kRemoveLatePost},                                                                S::withdrawn},
  {S::withdrawn,         E::channel_removed,    &kChannelRemoving,    {&kMarkRemoved},                                                                   S::withdrawn},
};
// clang-format on

}  // namespace

std::vector<std::string> wished_channels(const Request& r, const Policy& p) {
  std::vector<std::string> out;
  for (const auto& n : r.declaration.networks) {
    if (std::find(p.known_channels.begin(), p.known_channels.end(), n) != p.known_channels.end() &&
        std::find(out.begin(), out.end(), n) == out.end())
      out.push_back(n);
  }
  return out.empty() ? p.default_channels : out;
}
std::span<const Transition> transitions() {
  return kTable;
}

std::string mermaid_diagram() {
  std::string out = "stateDiagram-v2\n";
  for (const auto& t : kTable) {
    std::string label{to_string(t.event)};
    if (t.guard)
      label += fmt::format(" [{}]", t.guard->name);
    std::string actions;
    for (const auto* a : t.actions) {
      if (!a)
        continue;
      if (!actions.empty())
        actions += ", ";
      actions += a->name;
    }
    if (!actions.empty())
      label += " / " + actions;
    const std::string from = t.from == State::initial ? "[*]" : std::string(to_string(t.from));
    out += fmt::format("    {} --> {} : {}\n", from, to_string(t.to), label);
  }
  for (auto s : {State::rejected, State::withdrawn, State::expired, State::taken_down}) {
    out += fmt::format("    {} --> [*]\n", to_string(s));
  }
  return out;
}

}  // namespace relais::workflow
