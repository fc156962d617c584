// The dashboard under /d/: the login pages (dashboard_session.hpp), then, for a person with an
// open session, the pages of dashboard_views.hpp and the few forms that change something
// (absences, a new calendar URL, log out), each checked against the session's CSRF secret.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "daemon/approval_pages.hpp"
#include "daemon/dashboard_views.hpp"
#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

// `rest`: the path after "/d/" ("" for the home page).
boost::asio::awaitable<HttpResponse> route_dashboard(Services& s, ApprovalPages& pages,
                                                     std::string rest, DashboardQuery query,
                                                     const HttpRequest& req, const HttpPeer& peer);

}  // namespace relais::daemon
