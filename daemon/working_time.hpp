// Everyone's working hours, from the configuration: working_hours.default and the
// [people.NAME] tables. Answers in instants (UTC), through the configured zone.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "daemon/config/config.hpp"
#include "workflow/request.hpp"
#include "workflow/result.hpp"
#include "workflow/working_hours.hpp"

namespace relais::daemon {

class WorkingTime {
 public:
  WorkingTime();  // Monday to Friday, 08:30-18:00, French public holidays off
  // Fails only on a configuration that --check-config refuses.
  static Result<WorkingTime> from_config(const Config& c);

  const workflow::WorkingWeek& week_of(std::string_view address) const;
  bool is_open(std::string_view address, workflow::TimePoint t) const;
  // `t` itself in working hours, else the next start of them.
  workflow::TimePoint next_open(std::string_view address, workflow::TimePoint t) const;
  // After `hours` of that person's working time from `t`.
  workflow::TimePoint after_working_hours(std::string_view address, workflow::TimePoint t,
                                          int hours) const;

 private:
  workflow::WorkingWeek default_;
  std::map<std::string, workflow::WorkingWeek> people_;  // by lower-case address
};

}  // namespace relais::daemon
