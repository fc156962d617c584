// Who is looking at the dashboard. A referent, the backup or the administrator asks for a login
// link by address; relais mails a one-time link (15 minutes); its POST opens a session: a random
// cookie (HttpOnly, SameSite=Strict, Secure when http.public_url is https, 8 hours) whose hash
// the store keeps with a CSRF secret that every form of the session carries. A GET of the link
// only shows a button, so that a mail scanner following it opens nothing.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

#include "daemon/approval_pages.hpp"
#include "daemon/http_server.hpp"
#include "daemon/mail_job.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

inline constexpr std::string_view kSessionCookie = "relais_session";
inline constexpr auto kLoginLifetime = std::chrono::minutes(15);
inline constexpr auto kSessionLifetime = std::chrono::hours(8);

struct DashboardUser {
  std::string address;  // lower case
  std::string role;     // referent | backup | admin
  std::string csrf;     // the session's form secret
  std::string session_hash;
};

// "referent", "backup" or "admin" for an address the configuration names; nullopt otherwise.
std::optional<std::string> dashboard_role(const Config& config, std::string_view address);

// A 303 to a path of ours, never cached.
HttpResponse see_other(std::string_view location);

// Compares two secrets (CSRF fields) in constant time.
bool same_secret(std::string_view a, std::string_view b);

// The value of cookie `name` in the request's Cookie headers, or "".
std::string cookie_of(const HttpRequest& req, std::string_view name);

// The Set-Cookie value that stores `raw` (or clears the cookie when `raw` is empty).
std::string session_cookie(std::string_view raw, bool secure);

// The person of the request's session cookie, if the session is open.
boost::asio::awaitable<std::optional<DashboardUser>> current_user(Services& s,
                                                                  const HttpRequest& req);

// The login pages: /d/login (GET form, POST sends the link), /d/login/TOKEN (GET shows a
// button, POST opens the session), /d/logout (POST). `rest` is the path after "/d/".
boost::asio::awaitable<HttpResponse> route_login(Services& s, ApprovalPages& pages,
                                                 std::string rest, const HttpRequest& req,
                                                 const HttpPeer& peer);

// Called while preparing a dashboard_login mail (a writer job): issues the link's token, keeps
// its hash, and puts the link in the mail's context.
void issue_login_link(workflow::Store& store, MailJob& job, const Services& s,
                      workflow::TimePoint now);

// A page of the dashboard: the session's headers (no caching, no framing, no referrer).
HttpResponse dashboard_page(ApprovalPages& pages, Services& s, http::status status,
                            std::string_view name, const boost::json::object& ctx);

}  // namespace relais::daemon
