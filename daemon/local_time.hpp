// Times shown to people and read from forms, in the configured zone. relaisd sets TZ once at
// start (set_local_zone), so libc's tables (tzdata) handle daylight-saving changes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "workflow/request.hpp"
#include "workflow/working_hours.hpp"

namespace relais::daemon {

void set_local_zone(const std::string& zone);
// "lundi 23 novembre 2026 à 14:30" (fr) or "Monday 23 November 2026, 14:30" (en).
std::string format_local(workflow::TimePoint t, std::string_view lang);
// Day and month names: weekday 0 = Sunday, month 1 = January.
std::string_view weekday_name(unsigned weekday, std::string_view lang);
std::string_view month_name(unsigned month, std::string_view lang);
// "14:30" in the configured zone.
std::string format_local_time(workflow::TimePoint t);
// "2026-11-23T14:30" (the value of an <input type="datetime-local">).
std::string format_input(workflow::TimePoint t);
// Parses "YYYY-MM-DDTHH:MM" as local time; nullopt if malformed or nonexistent.
std::optional<workflow::TimePoint> parse_input(std::string_view text);
// "YYYY-MM-DD", a real calendar day; nullopt otherwise.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

// The calendar day of `t` in the configured zone, and the first instant of a day there.
std::chrono::year_month_day local_day(workflow::TimePoint t);
workflow::TimePoint start_of_local_day(std::chrono::year_month_day d);
// The wall-clock minute of `t` in the configured zone, and back (seconds dropped).
workflow::LocalMinute local_minute(workflow::TimePoint t);
workflow::TimePoint instant_of(workflow::LocalMinute m);

}  // namespace relais::daemon
