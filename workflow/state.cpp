// Names of the workflow vocabulary, in one table per enum so that printing and parsing agree.
#include "workflow/state.hpp"

#include <array>
#include <utility>

namespace relais::workflow {
namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<State, 13> kStateNames{{
    {State::initial, "initial"},
    {State::received, "received"},
    {State::checking, "checking"},
    {State::needs_changes, "needs_changes"},
    {State::awaiting_approval, "awaiting_approval"},
    {State::scheduled, "scheduled"},
    {State::publishing, "publishing"},
    {State::published, "published"},
    {State::taken_down, "taken_down"},
    {State::rejected, "rejected"},
    {State::withdrawn, "withdrawn"},
    {State::expired, "expired"},
    {State::failed, "failed"},
}};

constexpr Names<EventKind, 19> kEventNames{{
    {EventKind::submitted, "submitted"},
    {EventKind::checks_started, "checks_started"},
    {EventKind::checks_done, "checks_done"},
    {EventKind::agent_replied, "agent_replied"},
    {EventKind::override_finding, "override_finding"},
    {EventKind::approve, "approve"},
    {EventKind::request_changes, "request_changes"},
    {EventKind::reject, "reject"},
    {EventKind::withdraw, "withdraw"},
    {EventKind::expire, "expire"},
    {EventKind::unschedule, "unschedule"},
    {EventKind::publish_due, "publish_due"},
    {EventKind::channel_published, "channel_published"},
    {EventKind::channel_failed, "channel_failed"},
    {EventKind::retry, "retry"},
    {EventKind::cancel, "cancel"},
    {EventKind::takedown, "takedown"},
    {EventKind::channel_removed, "channel_removed"},
    {EventKind::channel_unconfirmed, "channel_unconfirmed"},
}};

constexpr Names<ChannelStatus, 6> kChannelStatusNames{{
    {ChannelStatus::pending, "pending"},
    {ChannelStatus::unconfirmed, "unconfirmed"},
    {ChannelStatus::published, "published"},
    {ChannelStatus::failed, "failed"},
    {ChannelStatus::removing, "removing"},
    {ChannelStatus::removed, "removed"},
}};

constexpr Names<Severity, 3> kSeverityNames{{
    {Severity::info, "info"},
    {Severity::warning, "warning"},
    {Severity::blocking, "blocking"},
}};

template <class E, std::size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [v, n] : names) {
    if (v == value)
      return n;
  }
  return "?";
}

template <class E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view name) {
  for (const auto& [v, n] : names) {
    if (n == name)
      return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(State s) {
  return name_of(kStateNames, s);
}
std::string_view to_string(EventKind e) {
  return name_of(kEventNames, e);
}
std::string_view to_string(ChannelStatus s) {
  return name_of(kChannelStatusNames, s);
}
std::string_view to_string(Severity s) {
  return name_of(kSeverityNames, s);
}

std::optional<State> parse_state(std::string_view n) {
  return value_of(kStateNames, n);
}
std::optional<EventKind> parse_event(std::string_view n) {
  return value_of(kEventNames, n);
}
std::optional<ChannelStatus> parse_channel_status(std::string_view n) {
  return value_of(kChannelStatusNames, n);
}
std::optional<Severity> parse_severity(std::string_view n) {
  return value_of(kSeverityNames, n);
}

bool is_live(State s) {
  return s == State::scheduled || s == State::publishing || s == State::published ||
         s == State::failed;
}

bool is_final(State s) {
  switch (s) {
    case State::taken_down:
    case State::rejected:
    case State::withdrawn:
    case State::expired:
      return true;
    default:
      return false;
  }
}

}  // namespace relais::workflow
