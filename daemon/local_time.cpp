// localtime_r/mktime with tm_isdst = -1 let libc pick the right offset on each side of a
// daylight-saving change.
#include "daemon/local_time.hpp"

#include <cctype>
#include <charconv>
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

std::string_view weekday_name(unsigned weekday, std::string_view lang) {
  const unsigned i = weekday % 7;
  return lang == "en" ? kDaysEn[i] : kDaysFr[i];
}

std::string_view month_name(unsigned month, std::string_view lang) {
  const unsigned i = (month + 11) % 12;
  return lang == "en" ? kMonthsEn[i] : kMonthsFr[i];
}

std::string format_local_time(workflow::TimePoint t) {
  const std::tm tm = local_tm(t);
  return fmt::format("{:02}:{:02}", tm.tm_hour, tm.tm_min);
}

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
  // Exactly "YYYY-MM-DDTHH:MM": digits where digits belong, nothing before or after.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd";
  if (text.size() != kShape.size())
    return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i])
      return std::nullopt;
  }
  auto number = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i)
      v = v * 10 + (text[i] - '0');
    return v;
  };
  const int y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2),
            mi = number(14, 2);
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
  // mktime normalises: 30 February becomes 2 March, 02:30 on the spring-forward night becomes
  // 03:30. A time that does not exist on the wall clock is refused rather than moved.
  if (secs == -1 || tm.tm_mday != d || tm.tm_mon != mo - 1 || tm.tm_hour != h || tm.tm_min != mi) {
    return std::nullopt;
  }
  return workflow::TimePoint(std::chrono::seconds(secs));
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto number = [&s](std::size_t at, std::size_t len, auto& value) {
    const auto* first = s.data() + at;
    const auto [end, ec] = std::from_chars(first, first + len, value);
    return ec == std::errc{} && end == first + len &&
           std::isdigit(static_cast<unsigned char>(*first));
  };
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d))
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok())
    return std::nullopt;
  return ymd;
}

}  // namespace relais::daemon

namespace relais::daemon {

std::chrono::year_month_day local_day(workflow::TimePoint t) {
  const std::tm tm = local_tm(t);
  return std::chrono::year_month_day{std::chrono::year(tm.tm_year + 1900),
                                     std::chrono::month(static_cast<unsigned>(tm.tm_mon + 1)),
                                     std::chrono::day(static_cast<unsigned>(tm.tm_mday))};
}

workflow::TimePoint start_of_local_day(std::chrono::year_month_day d) {
  return instant_of({d, 0});
}

workflow::LocalMinute local_minute(workflow::TimePoint t) {
  const std::tm tm = local_tm(t);
  return {local_day(t), tm.tm_hour * 60 + tm.tm_min};
}

workflow::TimePoint instant_of(workflow::LocalMinute m) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(m.day.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(m.day.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(m.day.day()));
  tm.tm_hour = m.minute / 60;
  tm.tm_min = m.minute % 60;
  tm.tm_isdst = -1;  // in a spring-forward gap, mktime moves on to the first real minute
  return std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::from_time_t(::mktime(&tm)));
}

}  // namespace relais::daemon
