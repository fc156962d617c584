// localtime_r/mktime with tm_isdst = -1 let libc pick the right offset on each side of a
// daylight-saving change.
#include "daemon/local_time.hpp"

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

namespace relais::daemon {
namespace {

constexpr const char* kDaysFr[] = {"dimanche", "lundi",    "mardi", "mercredi",
                                   "jeudi",    "vendredi", "samedi"};
constexpr const char* kMonthsFr[] = {"janvier",   "février", "mars",     "avril",
                                     "mai",       "juin",    "juillet",  "août",
                                     "septembre", "octobre", "novembre", "décembre"};
constexpr const char* kDaysEn[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                   "Thursday", "Friday", "Saturday"};
constexpr const char* kMonthsEn[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

std::tm local_tm(workflow::TimePoint t) {
  const std::time_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  return tm;
}

}  // namespace

void set_local_zone(const std::string& zone) {
  ::setenv("TZ", zone.c_str(), 1);
  ::tzset();
}

std::string format_local(workflow::TimePoint t, std::string_view lang) {
  const std::tm tm = local_tm(t);
  if (lang == "en") {
    return fmt::format("{} {} {} {}, {:02}:{:02}", kDaysEn[tm.tm_wday], tm.tm_mday,
                       kMonthsEn[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
  }
  return fmt::format("{} {} {} {} à {:02}:{:02}", kDaysFr[tm.tm_wday], tm.tm_mday,
                     kMonthsFr[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

std::string format_input(workflow::TimePoint t) {
  const std::tm tm = local_tm(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
}

std::optional<workflow::TimePoint> parse_input(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  const std::string s(text.substr(0, 16));
  if (s.size() != 16 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || y < 2000 || y > 2200) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_isdst = -1;
  const std::time_t secs = ::mktime(&tm);
  if (secs == -1 || tm.tm_mday != d)
    return std::nullopt;
  return workflow::TimePoint(std::chrono::seconds(secs));
}

}  // namespace relais::daemon
