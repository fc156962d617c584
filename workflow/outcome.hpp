// What apply() returns: the request as it must be stored, the effects to run after the
// commit (outbox rows) and the timers that belong to the new state. Timers of the state that
// is left are cancelled by the engine, so a stale "expire" can never fire in a later state.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "workflow/request.hpp"

namespace relais::workflow {

enum class EffectKind {
  run_checks,  // run the checks stage and feed back checks_started / checks_done
  mail,        // send template `name` to `recipient` ("agent", "referent" or an address)
  publish,     // create the post on `channel`
  remove,      // delete the post from `channel`
  chat,        // tell a chat channel (the daemon's, after a decision request went out)
};

std::string_view to_string(EffectKind k);

struct Effect {
  EffectKind kind = EffectKind::mail;
  std::string name;       // mail: template name
  std::string recipient;  // mail: "agent", "referent" or an addr-spec
  std::string channel;    // publish/remove
  bool operator==(const Effect&) const = default;
};

enum class TimerKind { publish_due, expire };

struct Timer {
  EventKind fires = EventKind::expire;  // the event the timer produces
  TimePoint due{};
  bool operator==(const Timer&) const = default;
};

struct Outcome {
  Request request;  // new state, version + 1, updated channels/text/findings
  std::vector<Effect> effects;
  std::vector<Timer> timers;
};

struct Refusal {
  std::string reason;  // why the event changes nothing, for the log and the person
};

using ApplyResult = std::variant<Outcome, Refusal>;

}  // namespace relais::workflow
