// Durations in the configuration are whole days, hours and minutes.
#include "daemon/policy_from_config.hpp"

namespace relais::daemon {

workflow::Policy make_policy(const Config& cfg) {
  workflow::Policy p;
  p.default_channels = cfg.workflow.default_channels;
  p.known_channels.clear();
  for (const auto& ch : cfg.channels)
    p.known_channels.push_back(ch.name);
  p.publish_delay = std::chrono::minutes(cfg.workflow.publish_delay_minutes);
  p.needs_changes_expiry = std::chrono::hours(24 * cfg.workflow.needs_changes_expiry_days);
  p.approval_expiry = std::chrono::hours(24 * cfg.workflow.approval_expiry_days);
  return p;
}

}  // namespace relais::daemon
