// A person's working week, for the right to disconnect: the hours mail may reach them, and the
// working time that reminders and escalation count. Wall-clock only (a calendar day and a
// minute of that day, in the configured zone): the daemon converts to and from instants
// (daemon/working_time), so that this stays pure and daylight-saving changes are its problem.
#pragma once

#include <array>
#include <chrono>
#include <string_view>
#include <utility>
#include <vector>

#include "workflow/result.hpp"

namespace relais::workflow {

struct LocalMinute {
  std::chrono::year_month_day day;
  int minute = 0;  // of the day, 0..1439
  auto operator<=>(const LocalMinute& o) const {
    if (auto c = std::chrono::sys_days(day) <=> std::chrono::sys_days(o.day); c != 0)
      return c;
    return minute <=> o.minute;
  }
  bool operator==(const LocalMinute&) const = default;
};

struct WorkingWeek {
  // Index: weekday in C encoding (0 = Sunday). Each day's open spans [from, to) in minutes of
  // the day, sorted, not overlapping; 24:00 is 1440.
  std::array<std::vector<std::pair<int, int>>, 7> open;
  bool public_holidays_off = true;  // French public holidays are days off
  bool alsace_moselle = false;      // and Alsace-Moselle's two more

  bool is_open(LocalMinute t) const;
  // `t` itself when open, else the start of the next open span (within a year; the week has
  // at least one open span, so this always exists).
  LocalMinute next_open(LocalMinute t) const;
  // The moment `minutes` of open time have passed after `t`: nights, weekends and holidays do
  // not count. Always an open moment: a sum that ends with a span is the next opening.
  LocalMinute after_open_minutes(LocalMinute t, int minutes) const;
};

// "mon-fri 08:30-18:00", or several clauses separated by ';', each with one or more spans:
// "mon-thu 08:30-12:00 13:30-17:30; fri 08:30-12:00". Days in English or French (lun, mar, mer,
// jeu, ven, sam, dim), a range or a comma list ("mon,wed,fri"). The error names the part that
// is wrong.
Result<WorkingWeek> parse_working_week(std::string_view spec);

}  // namespace relais::workflow
