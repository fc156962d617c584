// The pure state machine: apply(request, event, policy) -> Outcome or Refusal.
// No I/O, no clock, no randomness: the same inputs always give the same result.
#pragma once

#include "workflow/event.hpp"
#include "workflow/outcome.hpp"
#include "workflow/policy.hpp"

namespace relais::workflow {

ApplyResult apply(const Request& request, const Event& event, const Policy& policy);

}  // namespace relais::workflow
