// The JSON API under /api/v1/ (bearer tokens, daemon/api_tokens.hpp), described by
// schemas/openapi.json. Here the consent registry, so that an HR or events tool can record
// consents as forms are signed and revoke them when a person withdraws; the reads of requests,
// cases, the calendar and channels are in api_reads.hpp.
//   GET  /api/v1/consents               read    {"consents": [consent...]}
//   GET  /api/v1/consents/{id}          read    consent
//   POST /api/v1/consents               write   201 consent; body: {"name", "email"?,
//        "request"? | "from" + "until" (YYYY-MM-DD, local), "minor"?, "note"?,
//        "evidence"?: {"name", "content_base64"}}
//   POST /api/v1/consents/{id}/revoke   write   {"consent", "revoked_at", "case",
//        "case_state", "requests"}; body: {"reason"?}
// Errors are {"error": {"status", "message"}} with 400 (bad JSON or field), 401 (no or unknown
// token), 403 (read token on a write), 404, 405, 409 (already revoked), 415, 422 (refused:
// unknown request, ambiguous person). With no tokens file every path answers 404 saying so.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

boost::asio::awaitable<HttpResponse> route_api(Services& s, std::string path,
                                               const HttpRequest& req);

// {"error": {"status", "message"}}.
HttpResponse api_error(boost::beast::http::status status, std::string_view message);

// A JSON answer, never cached, never sniffed.
HttpResponse json_answer(boost::beast::http::status status, const boost::json::value& v);

// `base` plus the larger body a consent with its evidence needs (base64 of
// mail.max_message_bytes).
BodyLimits with_api_limits(BodyLimits base, Services& s);

}  // namespace relais::daemon
