#include "daemon/working_time.hpp"

#include "daemon/local_time.hpp"
#include "workflow/ascii.hpp"

namespace relais::daemon {
using workflow::TimePoint;
using workflow::WorkingWeek;

namespace {

Result<WorkingWeek> week(const std::string& spec, const std::string& holidays) {
  auto w = workflow::parse_working_week(spec);
  if (!w)
    return w.error();
  w->public_holidays_off = holidays != "none";
  w->alsace_moselle = holidays == "alsace-moselle";
  return w;
}

}  // namespace

WorkingTime::WorkingTime() : default_(*workflow::parse_working_week("mon-fri 08:30-18:00")) {}

Result<WorkingTime> WorkingTime::from_config(const Config& c) {
  WorkingTime t;
  const auto& holidays = c.working_hours.public_holidays;
  auto d = week(c.working_hours.default_week, holidays);
  if (!d)
    return d.error();
  t.default_ = *d;
  for (const auto& person : c.people) {
    const auto hours = person.settings.find("working_hours");
    if (hours == person.settings.end() || hours->second.empty())
      continue;
    auto w = week(hours->second, holidays);
    if (!w)
      return w.error();
    t.people_[lower(person.settings.at("address"))] = *w;
  }
  return t;
}

const WorkingWeek& WorkingTime::week_of(std::string_view address) const {
  const auto it = people_.find(lower(address));
  return it == people_.end() ? default_ : it->second;
}

bool WorkingTime::is_open(std::string_view address, TimePoint t) const {
  return week_of(address).is_open(local_minute(t));
}

TimePoint WorkingTime::next_open(std::string_view address, TimePoint t) const {
  const auto& w = week_of(address);
  const auto m = local_minute(t);
  return w.is_open(m) ? t : instant_of(w.next_open(m));
}

TimePoint WorkingTime::after_working_hours(std::string_view address, TimePoint t, int hours) const {
  // To the minute: a deadline that falls at the end of a day is that moment, not a second past.
  const auto& w = week_of(address);
  return instant_of(w.after_open_minutes(local_minute(t), hours * 60));
}

}  // namespace relais::daemon
