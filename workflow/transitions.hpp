// The transition table: every legal (state, event) pair, as data. Read it in
// workflow/transitions.cpp top to bottom as `source + event [guard] / actions = target`.
// A pair that is not in the table is illegal and changes nothing.
#pragma once

#include <array>
#include <span>
#include <string>

#include "workflow/event.hpp"
#include "workflow/outcome.hpp"
#include "workflow/policy.hpp"

namespace relais::workflow {

struct Guard {
  const char* name;
  bool (*holds)(const Request&, const Event&, const Policy&);
  const char* refusal;  // why the event is refused when the guard does not hold
};

struct Action {
  const char* name;
  void (*run)(Outcome&, const Event&, const Policy&);
};

struct Transition {
  State from;
  EventKind event;
  const Guard* guard;  // nullptr: always
  std::array<const Action*, 5> actions;
  State to;
};

std::span<const Transition> transitions();

// The channels a request goes to when the referent has not chosen: those the agent wished for
// ("Réseaux :") that exist, otherwise the configured defaults.
std::vector<std::string> wished_channels(const Request& r, const Policy& p);

// The table drawn as a Mermaid state diagram (relaisd --print-states).
std::string mermaid_diagram();

}  // namespace relais::workflow
