// What a Graph API error answer means for relais (developers.facebook.com/docs/graph-api/guides/
// error-handling): the body {"error": {"message", "type", "code", "error_subcode",
// "error_user_msg", "fbtrace_id"}} read, and its code mapped to transient or permanent with a
// sentence a referent can act on. Pure: the clock comes in from the caller.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/http/http_client.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::facebook {

struct GraphError {
  int code = 0;
  int subcode = 0;            // error_subcode; 0 when absent
  std::string type;           // "OAuthException", "GraphMethodException"...
  std::string message;        // for developers, in English
  std::string user_message;   // error_user_msg, for people; may be empty
  std::string fbtrace_id;     // Meta's reference for its support; not a secret
  bool is_transient = false;  // is_transient: Facebook's own "try again later"
};

// The error object of a Graph API answer; nullopt when the body is not that shape.
std::optional<GraphError> parse_graph_error(std::string_view body);

// The error "object does not exist" (code 100, subcode 33, or an HTTP 404): what removing a
// post that is already gone answers.
bool is_missing_object(const http::Response& response);

// The relais error for a Graph API answer that is not a success:
//   190, 102, 2500, 463/467 subcodes (token expired, revoked, invalid)   -> permanent: replace
//                                                                           access_token_file;
//   10, 200-299 (permission missing)                                     -> permanent: grant
//                                                                           pages_manage_posts...;
//   4, 17, 32, 341, 613, 80001 (rate limits), 1, 2 (temporary), "is_transient": true, HTTP 429
//   and 5xx -> transient, with retry_after from the Meta usage headers (retry_hint.hpp);
//   anything else (100 invalid parameter, 368 policy block, 506 duplicate...) -> permanent,
//                                         with Facebook's own message.
// `secret` (the access token) is cut out of Facebook's message should it ever be quoted there.
Error graph_error(const http::Response& response, std::string_view secret,
                  std::chrono::system_clock::time_point now);

}  // namespace relais::connectors::facebook
