// apply(): the first row of the table whose source, event and guard match wins.
#include "workflow/machine.hpp"

#include <fmt/format.h>

#include "workflow/transitions.hpp"

namespace relais::workflow {

std::string_view to_string(EffectKind k) {
  switch (k) {
    case EffectKind::run_checks:
      return "run_checks";
    case EffectKind::mail:
      return "mail";
    case EffectKind::publish:
      return "publish";
    case EffectKind::remove:
      return "remove";
    case EffectKind::chat:
      return "chat";
  }
  return "?";
}

ApplyResult apply(const Request& request, const Event& event, const Policy& policy) {
  const Guard* failed_guard = nullptr;
  for (const auto& t : transitions()) {
    if (t.from != request.state || t.event != event.kind)
      continue;
    if (t.guard && !t.guard->holds(request, event, policy)) {
      failed_guard = t.guard;
      continue;
    }
    Outcome out{request, {}, {}};
    out.request.state = t.to;
    out.request.version = request.version + 1;
    out.request.updated_at = event.at;
    for (const auto* action : t.actions) {
      if (action)
        action->run(out, event, policy);
    }
    return out;
  }
  if (failed_guard) {
    return Refusal{fmt::format("{} refused in state {}: {}", to_string(event.kind),
                               to_string(request.state), failed_guard->refusal)};
  }
  return Refusal{fmt::format("{} is not possible in state {}", to_string(event.kind),
                             to_string(request.state))};
}

}  // namespace relais::workflow
