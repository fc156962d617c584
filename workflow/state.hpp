// The vocabulary of the publication workflow: request states, events, channel sub-statuses,
// finding severities. Names are the ones used in storage, the API and logs (SPEC section 2).
// Parsing an unknown name returns std::nullopt; it never throws.
#pragma once

#include <optional>
#include <string_view>

namespace relais::workflow {

enum class State {
  initial,  // before the request exists: only the source of the `submitted` row
  received,
  checking,
  needs_changes,
  awaiting_approval,
  scheduled,
  publishing,
  published,
  taken_down,
  rejected,
  withdrawn,
  expired,
  failed,
};

enum class EventKind {
  submitted,        // the mail is stored durably
  checks_started,   // the checks stage took the request
  checks_done,      // findings are in (blocking or not)
  agent_replied,    // the agent answered a request for changes
  approve,          // referent: go, with channels and time
  request_changes,  // referent: back to the agent with a note
  reject,           // referent: no, with a reason
  withdraw,         // agent or referent: drop it
  expire,           // timer: nobody acted in time
  unschedule,       // referent: take it off the schedule, back to approval
  publish_due,      // timer: the publication time has come
  channel_published,
  channel_failed,       // a channel failed for good (after its retries)
  retry,                // referent: try the failed channels again
  cancel,               // referent: give up a failed publication
  takedown,             // an image-rights request or a consent revocation
  channel_removed,      // a channel confirmed the removal
  override_finding,     // referent: lift a finding, with a reason
  channel_unconfirmed,  // a create was sent and its answer lost: looked for before any retry
};

enum class ChannelStatus { pending, unconfirmed, published, failed, removing, removed };

enum class Severity { info, warning, blocking };

std::string_view to_string(State s);
std::string_view to_string(EventKind e);
std::string_view to_string(ChannelStatus s);
std::string_view to_string(Severity s);

std::optional<State> parse_state(std::string_view name);
std::optional<EventKind> parse_event(std::string_view name);
std::optional<ChannelStatus> parse_channel_status(std::string_view name);
std::optional<Severity> parse_severity(std::string_view name);

// Every value, for tables, tests and diagrams.
inline constexpr State kAllStates[] = {
    State::initial,       State::received,          State::checking,
    State::needs_changes, State::awaiting_approval, State::scheduled,
    State::publishing,    State::published,         State::taken_down,
    State::rejected,      State::withdrawn,         State::expired,
    State::failed};
inline constexpr EventKind kAllEvents[] = {EventKind::submitted,
                                           EventKind::checks_started,
                                           EventKind::checks_done,
                                           EventKind::agent_replied,
                                           EventKind::approve,
                                           EventKind::request_changes,
                                           EventKind::reject,
                                           EventKind::withdraw,
                                           EventKind::expire,
                                           EventKind::unschedule,
                                           EventKind::publish_due,
                                           EventKind::channel_published,
                                           EventKind::channel_failed,
                                           EventKind::retry,
                                           EventKind::cancel,
                                           EventKind::takedown,
                                           EventKind::channel_removed,
                                           EventKind::override_finding,
                                           EventKind::channel_unconfirmed};

bool is_final(State s);
// Scheduled, or possibly visible on some channel (publishing, published, failed with some
// channels done): what a takedown has to act on.
bool is_live(State s);

}  // namespace relais::workflow
