// The referent's takedown links (/t/TOKEN): GET shows the case and the candidate publication
// with its photos and changes nothing (mail scanners follow links); a POST with the CSRF
// field confirms the removal, or declares that no publication matches, once.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "daemon/approval_pages.hpp"
#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

class CasePages {
 public:
  CasePages(Services& s, const ApprovalPages& pages) : s_(s), pages_(pages) {}
  boost::asio::awaitable<HttpResponse> show(const std::string& raw_token);
  boost::asio::awaitable<HttpResponse> act(const std::string& raw_token,
                                           const std::string& form_body);
  // A thumbnail of one media file of the token's candidate (or of the case's evidence).
  boost::asio::awaitable<HttpResponse> thumbnail(const std::string& raw_token,
                                                 const std::string& sha256);

 private:
  Services& s_;
  const ApprovalPages& pages_;
};

// /t/TOKEN (GET, POST) and /t/TOKEN/m/SHA256 (GET); `rest` is the path after "/t/".
boost::asio::awaitable<HttpResponse> route_case_link(Services& s, const ApprovalPages& pages,
                                                     std::string rest, bool get, bool post,
                                                     const std::string& body);

}  // namespace relais::daemon
