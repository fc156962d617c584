// The calendar page: a table per week (a caption and day headers for screen readers), each day
// with its publications in time order; previous/next/today links keep the view.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "daemon/dashboard_views.hpp"
#include "daemon/ics_feed.hpp"
#include "daemon/local_time.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace std::chrono;
using workflow::State;
using workflow::Store;
using workflow::TimePoint;

CalendarSpan calendar_span(year_month_day day, bool month) {
  auto monday_of = [](sys_days d) {
    return d - (weekday(d) - Monday);  // weekday difference is modulo 7
  };
  if (!month)
    return {monday_of(sys_days(day)), 7};
  const sys_days first = monday_of(sys_days(day.year() / day.month() / 1));
  const sys_days end_day = sys_days(day.year() / day.month() / std::chrono::last);
  const auto count = static_cast<int>((end_day - first).count()) + 1;
  return {first, (count + 6) / 7 * 7};
}

json::object calendar_view(Store& store, const Services& s, const DashboardUser& u,
                           const DashboardQuery& q, TimePoint now) {
  const std::string_view lang = s.config.general.language;
  const auto view_it = q.find("view");
  const bool month = view_it != q.end() && view_it->second == "month";
  const auto date_it = q.find("date");
  const year_month_day today = local_day(now);
  year_month_day day = today;
  if (date_it != q.end()) {
    if (auto d = parse_date(date_it->second))
      day = *d;
  }
  const auto span = calendar_span(day, month);
  const TimePoint from = start_of_local_day(year_month_day(span.first));
  const TimePoint to = start_of_local_day(year_month_day(span.first + days(span.days)));
  const auto requests = store.requests_publishing_between(from, to);

  auto iso = [](year_month_day d) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  };
  auto link = [&](year_month_day d) {
    return fmt::format("/d/calendar?view={}&date={}", month ? "month" : "week", iso(d));
  };
  json::array weeks, headers;
  for (unsigned i = 0; i < 7; ++i)
    headers.push_back(json::value(weekday_name((i + 1) % 7, lang)));
  std::size_t next = 0;
  int shown = 0;
  for (int w = 0; w < span.days / 7; ++w) {
    json::array week_days;
    for (int i = 0; i < 7; ++i) {
      const sys_days d = span.first + days(w * 7 + i);
      const year_month_day ymd(d);
      const TimePoint end = start_of_local_day(year_month_day(d + days(1)));
      json::array items;
      for (; next < requests.size() && requests[next].publish_at < end; ++next) {
        const auto& r = requests[next];
        if (r.state != State::scheduled && r.state != State::publishing &&
            r.state != State::published)
          continue;
        json::array channels;
        for (const auto& c : r.channels)
          channels.push_back(json::value(c.channel));
        items.push_back({{"id", r.id},
                         {"time", format_local_time(*r.publish_at)},
                         {"reference", r.reference},
                         {"subject", r.subject},
                         {"state", workflow::to_string(r.state)},
                         {"state_label", state_label(r.state, lang)},
                         {"channels", std::move(channels)}});
        ++shown;
      }
      week_days.push_back(
          {{"label", fmt::format("{} {} {}", weekday_name((i + 1) % 7, lang),
                                 static_cast<unsigned>(ymd.day()),
                                 month_name(static_cast<unsigned>(ymd.month()), lang))},
           {"date", iso(ymd)},
           {"today", ymd == today},
           {"other_month", month && ymd.month() != day.month()},
           {"items", std::move(items)}});
    }
    weeks.push_back(json::object{{"days", std::move(week_days)}});
  }
  const year_month_day first(span.first);
  const std::string title =
      month ? fmt::format("{} {}", month_name(static_cast<unsigned>(day.month()), lang),
                          static_cast<int>(day.year()))
            : fmt::format("{} {} {} {}", lang == "en" ? "Week of" : "Semaine du",
                          static_cast<unsigned>(first.day()),
                          month_name(static_cast<unsigned>(first.month()), lang),
                          static_cast<int>(first.year()));
  const year_month_day prev = month ? year_month_day(day.year() / day.month() / 1) - months(1)
                                    : year_month_day(span.first - days(7));
  const year_month_day after = month ? year_month_day(day.year() / day.month() / 1) + months(1)
                                     : year_month_day(span.first + days(7));
  const int generation = store.calendar_generation(u.address);
  return {{"title", title},
          {"month", month},
          {"headers", std::move(headers)},
          {"weeks", std::move(weeks)},
          {"count", shown},
          {"prev", link(prev)},
          {"next", link(after)},
          {"today_link", link(today)},
          {"week_link", fmt::format("/d/calendar?view=week&date={}", iso(day))},
          {"month_link", fmt::format("/d/calendar?view=month&date={}", iso(day))},
          {"feed_url", fmt::format("{}/ics/{}.ics", s.config.http.public_url,
                                   ics_token(s.token_key, u.address, generation))}};
}

}  // namespace relais::daemon
