// The calendar of scheduled publications as an iCalendar feed (RFC 5545) that Outlook and
// Thunderbird subscribe to: /ics/TOKEN.ics, one URL per person. TOKEN is an HMAC of the address
// and a generation under the daemon's key: unguessable, nothing to store but the generation,
// and a new generation (the dashboard's "new address" button) retires the old URL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/http_server.hpp"
#include "daemon/services.hpp"
#include "workflow/request.hpp"

namespace relais::daemon {

std::string ics_token(std::string_view key, std::string_view address, int generation);

// The person a feed token belongs to (among the dashboard's people, at their current
// generation), or nullopt.
std::optional<std::string> ics_owner(workflow::Store& store, const Services& s,
                                     std::string_view token);

struct IcsFeed {
  std::string name;        // X-WR-CALNAME
  std::string public_url;  // links to the dashboard's request pages
  std::string uid_domain;  // UID = reference@uid_domain
  std::string lang = "fr";
};

// The feed of `requests` (scheduled, publishing or published ones are shown). Lines end in CRLF,
// are folded at 75 octets without cutting a UTF-8 character; text values are escaped.
std::string render_ics(const std::vector<workflow::Request>& requests, const IcsFeed& feed,
                       workflow::TimePoint now);

// Escapes a TEXT value: backslash, ';', ',' and line ends.
std::string ics_text(std::string_view s);

// GET /ics/TOKEN.ics: `rest` is the path after "/ics/".
boost::asio::awaitable<HttpResponse> route_ics(Services& s, std::string rest);

}  // namespace relais::daemon
