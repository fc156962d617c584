// The configured rules the machine applies: who decides, which channels by default, how long
// things may wait. Built by the daemon from the configuration.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace relais::workflow {

// A pre-election period, first and last day included (UTC days): political terms are blocking
// and approvals need a confirmation.
struct ElectionPeriod {
  std::chrono::sys_days first;
  std::chrono::sys_days last;  // inclusive
};

struct Policy {
  std::vector<std::string> default_channels{"site"};
  std::vector<std::string> known_channels{"site"};
  std::chrono::minutes publish_delay{0};
  std::chrono::hours needs_changes_expiry{24 * 14};
  std::chrono::hours approval_expiry{24 * 14};
  std::vector<ElectionPeriod> election_periods{};
};

}  // namespace relais::workflow
