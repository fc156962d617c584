// The public takedown form (/takedown). GET shows an accessible form that needs no JavaScript,
// with a signed timestamp. POST refuses bots softly (a filled honeypot is answered "received"
// and creates nothing; a form sent too fast or too late is shown again), refuses floods with a
// 429 (per address and per network over 24 h), stores and hashes the files on the worker pool
// and opens the case in one writer job, then redirects to a page that shows only the reference.
// /takedown/confirm/TOKEN: GET shows one button (mail scanners prefetch links); POST, with its
// CSRF field, confirms the requester's address once. Every failure is a page saying why.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/approval_pages.hpp"
#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

class TakedownForm {
 public:
  TakedownForm(Services& s, const ApprovalPages& pages) : s_(s), pages_(pages) {}

  // lang: the ?lang= of the URL ("fr", "en"); anything else means general.language.
  boost::asio::awaitable<HttpResponse> show(const std::string& lang);
  boost::asio::awaitable<HttpResponse> submit(const HttpRequest& req, const HttpPeer& peer,
                                              const std::string& lang);
  // The page a successful POST redirects to; shows only what its URL says (no lookup).
  HttpResponse received(const std::string& lang, const std::string& reference,
                        bool confirm_sent) const;
  boost::asio::awaitable<HttpResponse> show_confirm(const std::string& raw_token,
                                                    const std::string& lang);
  boost::asio::awaitable<HttpResponse> confirm(const std::string& raw_token, const HttpRequest& req,
                                               const std::string& lang);
  // The 413 answer to a POST whose body is over mail.max_message_bytes: the empty form again,
  // with the limit in its error summary.
  HttpResponse too_large(const std::string& lang) const;

 private:
  std::string language(const std::string& asked) const;
  HttpResponse form_page(http::status status, const std::string& lang,
                         const boost::json::object& values, const boost::json::object& errors,
                         std::size_t file_count = 0) const;
  HttpResponse done_page(http::status status, const std::string& lang,
                         boost::json::object ctx) const;

  Services& s_;
  const ApprovalPages& pages_;
};

// POST /takedown may carry mail.max_message_bytes (photos); the rest keeps the server default.
BodyLimits takedown_body_limits(Services& s, const ApprovalPages& pages);

// ---- pure parts, exposed for tests

inline constexpr std::chrono::seconds kStampMinAge{2};  // a person needs longer to fill it in
inline constexpr std::chrono::hours kStampMaxAge{24};   // an old tab is shown the form again
inline constexpr std::chrono::hours kRateWindow{24};    // takedown.form_requests_per_day
inline constexpr std::size_t kMaxDescriptionBytes = 20000;

// The hidden "stamp" field: "<issued, ms since the epoch>.<HMAC-SHA256 hex>" under the token key.
std::string form_stamp(std::string_view key, workflow::TimePoint issued);
enum class StampProblem { invalid, too_fresh, too_old };
std::optional<StampProblem> check_form_stamp(std::string_view key, std::string_view stamp,
                                             workflow::TimePoint now);

// What a per-network rate limit counts: an IPv4 address as it is, an IPv6 address by its /64
// (one subscriber's prefix), anything unparsable as it is.
std::string rate_network(std::string_view address);

// The key a rate-limit row holds: a keyed hash of `value`, not the address or network itself
// (an IPv4 address or a common mail address could be found again from a plain hash).
std::string rate_key(std::string_view key, std::string_view kind, std::string_view value);

// What the URL of a /takedown page says besides its path.
struct TakedownQuery {
  std::string lang;       // ?lang=
  std::string reference;  // ?ref= on /takedown/received
  bool confirm_sent = false;
};

// /takedown (GET, POST), /takedown/received (GET), /takedown/confirm/TOKEN (GET, POST).
boost::asio::awaitable<HttpResponse> route_takedown_form(Services& s, const ApprovalPages& pages,
                                                         std::string path, TakedownQuery q,
                                                         const HttpRequest& req,
                                                         const HttpPeer& peer);

}  // namespace relais::daemon
