// The engine: one event for one request, inside the caller's transaction: apply the machine,
// store the new state (compare-and-set on version), append the audit row, replace the state's
// timers and enqueue the effects as outbox rows. Either all of it commits or none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "workflow/event.hpp"
#include "workflow/policy.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {

struct Handled {
  bool applied = false;
  std::string refusal;             // when !applied: why nothing changed
  std::optional<Request> request;  // the request after the event (or as it was, if refused)
};

class Engine {
 public:
  explicit Engine(Policy policy) : policy_(std::move(policy)) {}

  // Creates a request in `received` from a submission (draft has sender, subject, text...),
  // assigning its reference and applying `submitted`.
  Request create(Store& store, Request draft, const Event& submitted);

  Handled handle(Store& store, std::int64_t request_id, const Event& event);

  const Policy& policy() const { return policy_; }

 private:
  Handled commit_outcome(Store& store, const Request& before, const Event& event);
  Policy policy_;
};

// The JSON payload of an effect's outbox row, and back.
std::string effect_payload(const Effect& effect, std::int64_t version);
Effect effect_from_payload(EffectKind kind, const std::string& payload);

}  // namespace relais::workflow
