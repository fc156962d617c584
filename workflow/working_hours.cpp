#include "workflow/working_hours.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "workflow/ascii.hpp"
#include "workflow/holidays.hpp"

namespace relais::workflow {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::weekday;

constexpr int kDayMinutes = 24 * 60;
constexpr int kHorizonDays = 400;  // a year of days off would be a configuration mistake

int weekday_of(std::chrono::year_month_day d) {
  return static_cast<int>(weekday(sys_days(d)).c_encoding());
}

std::chrono::year_month_day next_day(std::chrono::year_month_day d) {
  return std::chrono::year_month_day(sys_days(d) + days(1));
}

std::optional<int> day_index(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 14> kNames{{
      {"sun", 0},
      {"mon", 1},
      {"tue", 2},
      {"wed", 3},
      {"thu", 4},
      {"fri", 5},
      {"sat", 6},
      {"dim", 0},
      {"lun", 1},
      {"mar", 2},
      {"mer", 3},
      {"jeu", 4},
      {"ven", 5},
      {"sam", 6},
  }};
  const std::string n = lower(name);
  for (const auto& [k, i] : kNames) {
    if (n == k)
      return i;
  }
  return std::nullopt;
}

// "08:30" -> 510; "24:00" allowed as the end of a day.
std::optional<int> clock_minutes(std::string_view s) {
  if (s.size() != 5 || s[2] != ':')
    return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9')
      return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0))
    return std::nullopt;
  return h * 60 + m;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(trim(s.substr(0, at)));
    if (at == std::string_view::npos)
      return out;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (auto w : split(s, ' ')) {
    if (!w.empty())
      out.push_back(w);
  }
  return out;
}

Result<std::vector<int>> parse_days(std::string_view text) {
  std::vector<int> out;
  for (auto item : split(text, ',')) {
    const auto dash = item.find('-');
    const auto first = day_index(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : day_index(item.substr(dash + 1));
    if (!first || !last)
      return invalid_input(fmt::format("\"{}\" is not a day (mon..sun or lun..dim)", item));
    // A range may wrap round the week: "sat-mon".
    for (int d = *first;; d = (d + 1) % 7) {
      out.push_back(d);
      if (d == *last)
        break;
    }
  }
  return out;
}

}  // namespace

bool WorkingWeek::is_open(LocalMinute t) const {
  if (public_holidays_off && is_french_public_holiday(t.day, alsace_moselle))
    return false;
  for (const auto& [from, to] : open[weekday_of(t.day)]) {
    if (t.minute >= from && t.minute < to)
      return true;
  }
  return false;
}

LocalMinute WorkingWeek::next_open(LocalMinute t) const {
  for (int i = 0; i < kHorizonDays; ++i) {
    const bool day_off = public_holidays_off && is_french_public_holiday(t.day, alsace_moselle);
    if (!day_off) {
      for (const auto& [from, to] : open[weekday_of(t.day)]) {
        if (t.minute < to)
          return {t.day, std::max(t.minute, from)};
      }
    }
    t = {next_day(t.day), 0};
  }
  return t;  // unreachable for a parsed week; a day a year away otherwise
}

LocalMinute WorkingWeek::after_open_minutes(LocalMinute t, int minutes) const {
  t = next_open(t);
  for (int i = 0; i < kHorizonDays * 4; ++i) {
    int span_end = t.minute;  // the end of the open span t is in
    for (const auto& [from, to] : open[weekday_of(t.day)]) {
      if (t.minute >= from && t.minute < to)
        span_end = to;
    }
    const int left = span_end - t.minute;
    // A sum that fills the span exactly ends at the next opening: a moment in working hours,
    // where a reminder can go at once.
    if (minutes < left)
      return {t.day, t.minute + minutes};
    minutes -= left;
    t = next_open(span_end >= kDayMinutes ? LocalMinute{next_day(t.day), 0}
                                          : LocalMinute{t.day, span_end});
  }
  return t;
}

Result<WorkingWeek> parse_working_week(std::string_view spec) {
  WorkingWeek week;
  bool any = false;
  for (auto clause : split(spec, ';')) {
    if (clause.empty())
      continue;
    const auto parts = words(clause);
    if (parts.size() < 2) {
      return invalid_input(
          fmt::format("\"{}\" needs days and hours, like \"mon-fri 08:30-18:00\"", clause));
    }
    auto days_of = parse_days(parts[0]);
    if (!days_of)
      return days_of.error();
    std::vector<std::pair<int, int>> spans;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const auto dash = parts[i].find('-');
      const auto from =
          dash == std::string_view::npos ? std::nullopt : clock_minutes(parts[i].substr(0, dash));
      const auto to =
          dash == std::string_view::npos ? std::nullopt : clock_minutes(parts[i].substr(dash + 1));
      if (!from || !to || *from >= *to || *from >= kDayMinutes) {
        return invalid_input(
            fmt::format("\"{}\" is not a span of hours like 08:30-18:00", parts[i]));
      }
      spans.emplace_back(*from, *to);
    }
    for (int d : *days_of) {
      auto& day = week.open[d];
      day.insert(day.end(), spans.begin(), spans.end());
      std::sort(day.begin(), day.end());
      for (std::size_t i = 1; i < day.size(); ++i) {
        if (day[i].first < day[i - 1].second)
          return invalid_input(fmt::format("the hours of \"{}\" overlap", parts[0]));
      }
      any = true;
    }
  }
  if (!any)
    return invalid_input("no working hours at all: give at least one, like mon-fri 08:30-18:00");
  return week;
}

}  // namespace relais::workflow
