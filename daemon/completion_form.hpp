// The agent's completion form (/c/TOKEN, linked from the request-for-changes mail): the text,
// author, people, consent, event date and networks, prefilled with what relais understood;
// plain HTML that works on a phone without JavaScript. GET shows and changes nothing; a POST
// with its CSRF field amends the request like a reply in the thread and the checks run again.
// The token follows the approval links' rules (bound to the request's version, single use).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "daemon/approval_pages.hpp"
#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

boost::asio::awaitable<HttpResponse> route_completion_link(Services& s, ApprovalPages& pages,
                                                           std::string raw, bool get, bool post,
                                                           const std::string& body);

}  // namespace relais::daemon
