// Reading the X API v2's answers: the documented success shape ({"data": {...}}), and its two
// error shapes, problem JSON (RFC 7807: {"title", "detail", "type"}) and {"errors":
// [{"message"}]}, turned into relais errors with X's own sentence in them.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "connectors/http/http_client.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::x {

// X's own sentence for a refusal, from whichever shape it came in; "HTTP 418" when none.
std::string x_message(const http::Response& r);

// The error for an answer other than the documented success; `what` names the call for a
// person ("the post", "the upload of photo.jpg"):
//   401 (the token was just renewed) - permanent: authorise relais again;
//   403 (policy, duplicate, scope, app without write permission) - permanent, X's sentence;
//   429, 5xx - transient, with the wait X asks for (x-rate-limit-reset, Retry-After);
//   other 4xx - permanent, X's sentence.
Error x_error(const http::Response& r, std::string_view what);

// The "data" object of a success answer; transient when the answer is not that shape.
Result<boost::json::object> x_data(const http::Response& r, std::string_view what);

// A string member, or "" when it is missing or not a string.
std::string string_field(const boost::json::object& o, std::string_view key);

}  // namespace relais::connectors::x
