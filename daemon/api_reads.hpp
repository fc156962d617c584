// The read side of the JSON API beyond consents: requests, takedown cases, channels (their
// health). Shapes are those of schemas/openapi.json.
//   GET /api/v1/requests?state=NAME&q=WORDS&limit=N&offset=N  {"requests", "total"}
//   GET /api/v1/requests/{id|reference}                        request with media and history
//   GET /api/v1/calendar?from=ISO&to=ISO                       {"publications": [request...]}
//   GET /api/v1/cases?state=NAME                               {"cases": [case...]}
//   GET /api/v1/cases/{id|reference}                           case with its matches
//   GET /api/v1/channels                                       {"channels": [channel...]}
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>

#include "daemon/http_server.hpp"
#include "daemon/services.hpp"
#include "workflow/case_state.hpp"

namespace relais::daemon {

boost::json::object case_json(const workflow::TakedownCase& c);

// The answer for `path` (without a trailing '/'), or nullopt when the path is not one of these.
boost::asio::awaitable<std::optional<HttpResponse>> route_api_reads(Services& s, std::string path,
                                                                    const HttpRequest& req);

}  // namespace relais::daemon
