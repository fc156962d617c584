// Durations in the configuration are whole days, hours and minutes.
#include "daemon/policy_from_config.hpp"

#include "workflow/checks.hpp"

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
  // Validated when the configuration is loaded (check_runner.cpp), so none is dropped here.
  for (const auto& text : cfg.checks.election_periods) {
    if (const auto period = workflow::parse_period(text))
      p.election_periods.push_back(*period);
  }
  return p;
}

workflow::CaseSettings make_case_settings(const Config& cfg) {
  workflow::CaseSettings c;
  c.automatic = cfg.takedown.automatic;
  c.deadline_days = cfg.takedown.deadline_days;
  c.reminder_days = cfg.takedown.reminder_days;
  c.match_distance = cfg.takedown.match_distance;
  c.max_attachments = cfg.takedown.max_attachments;
  c.link_ttl = std::chrono::hours(cfg.workflow.link_ttl_hours);
  return c;
}

}  // namespace relais::daemon
