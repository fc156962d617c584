// What each dashboard page shows, as template contexts: plain functions of the store, the
// configuration and the clock, run on the worker pool with a reader connection. Times are shown
// in the configured zone; each list is bounded (a page of 50, the calendar's days).
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>

#include "daemon/dashboard_session.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

// The query string of a dashboard page (unknown keys ignored).
using DashboardQuery = std::map<std::string, std::string>;

inline constexpr int kDashboardPageSize = 50;

std::string_view state_label(workflow::State s, std::string_view lang);
std::string_view case_state_label(workflow::CaseState s, std::string_view lang);

// A request as one line of a list: id, reference, subject, sender, state, state_label, when.
boost::json::object request_line(const workflow::Request& r, std::string_view lang);

// Waiting for this person: requests awaiting a decision or failed, open takedown cases, the
// next seven days' publications, the counts by state.
boost::json::object home_view(workflow::Store& store, const Services& s, const DashboardUser& u,
                              workflow::TimePoint now);
// All requests, newest first: ?state=NAME&q=WORDS&page=N.
boost::json::object requests_view(workflow::Store& store, const Services& s,
                                  const DashboardQuery& q);
// One request: media, findings, channels with their links, history. nullopt: no such request.
std::optional<boost::json::object> request_view(workflow::Store& store, const Services& s,
                                                std::string_view id_or_reference);
// The days a calendar page shows: the Monday-first week of `day`, or the whole weeks that cover
// its month.
struct CalendarSpan {
  std::chrono::sys_days first;
  int days = 7;
};
CalendarSpan calendar_span(std::chrono::year_month_day day, bool month);
// ?view=week|month&date=YYYY-MM-DD (default: this week), with the person's feed URL.
boost::json::object calendar_view(workflow::Store& store, const Services& s, const DashboardUser& u,
                                  const DashboardQuery& q, workflow::TimePoint now);
boost::json::object cases_view(workflow::Store& store, const Services& s, workflow::TimePoint now);
// One case: its text, deadline and candidate publications (case_context), and whether the
// referent can act on it from here. nullopt: no such case.
std::optional<boost::json::object> case_view(workflow::Store& store, const Services& s,
                                             std::string_view id_or_reference,
                                             workflow::TimePoint now);
boost::json::object consents_view(workflow::Store& store, const Services& s,
                                  workflow::TimePoint now);
boost::json::object channels_view(workflow::Store& store, const Services& s,
                                  workflow::TimePoint now);
boost::json::object quarantine_view(workflow::Store& store, const Services& s);
boost::json::object absences_view(workflow::Store& store, const Services& s,
                                  workflow::TimePoint now);

}  // namespace relais::daemon
