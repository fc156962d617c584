// The publication request as the state machine sees it: plain data, copied in and out of
// the store. Times are UTC; the configured zone is applied only when shown to a person.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workflow/state.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::workflow {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

// The wall clock at the store's precision (what every stored time and comparison uses).
inline TimePoint now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(wall_now());
}

struct Finding {
  std::string code;  // stable identifier, e.g. "text.missing"
  Severity severity = Severity::info;
  std::string message;  // a sentence the agent understands (French by default)
  bool operator==(const Finding&) const = default;
};

// What the agent said beside the text, as written (read_body_fields or the completion form);
// declaration.hpp interprets it.
struct Declaration {
  std::string people;      // "Léa Dupont, Marc Martin (mineur)", or "aucune personne identifiable"
  std::string consent;     // "formulaires signés joints", "oui", "autorisation parentale"...
  std::string event_date;  // "2026-03-14" or "14/03/2026"
  std::vector<std::string> networks;  // channels wished, lower case
  bool operator==(const Declaration&) const = default;
};

// The finding the checks add to a request sent during a pre-election period; approving such
// a request takes an explicit confirmation (Event::election_confirmed).
inline constexpr std::string_view kElectionPeriodFinding = "election.period";

// A finding lifted for this request (by its code), with a reason: by the referent, or asked for
// by the agent (a contest, actor "agent:…") until the referent approves.
struct FindingOverride {
  std::string code;
  std::string reason;
  std::string actor;
  TimePoint at{};
  bool operator==(const FindingOverride&) const = default;
};

struct ChannelPost {
  std::string channel;  // [channels.NAME]
  ChannelStatus status = ChannelStatus::pending;
  std::string post_id;
  std::string url;
  std::string error;
  bool operator==(const ChannelPost&) const = default;
};

struct Request {
  std::int64_t id = 0;
  std::string reference;  // "PUB-2026-0042"
  State state = State::initial;
  std::int64_t version = 0;  // bumped by every transition; tokens are bound to it
  std::string sender;        // agent's addr-spec
  std::string sender_name;
  std::string subject;
  std::string text;
  std::string author;           // photo credit
  std::string language = "fr";  // for the mails to the agent
  std::string thread_id;        // Message-ID of the submission, for threading replies
  std::optional<TimePoint> publish_at;
  std::vector<ChannelPost> channels;
  std::vector<Finding> findings;
  Declaration declaration;
  std::vector<FindingOverride> overrides;
  std::string note;  // the referent's last note (changes asked, rejection reason)
  TimePoint created_at{};
  TimePoint updated_at{};

  bool has_blocking_finding() const;
  bool has_finding(std::string_view code) const;
  const ChannelPost* channel(std::string_view name) const;
  ChannelPost* channel(std::string_view name);
};

}  // namespace relais::workflow
