// What LinkedIn's answers mean, for the publisher: its error body ({"message", "status",
// "serviceErrorCode", "code"}) turned into relais errors a referent can act on, JSON bodies
// checked for their documented shape, and URNs percent-encoded for paths and queries.
// Pure functions (retry_hint reads the clock).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "connectors/http/http_client.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::linkedin {

// What the call was about, for the sentence ("the post", "the photo upload"), and the channel
// facts the advice names.
struct CallContext {
  std::string_view what;
  std::string_view organization;  // "urn:li:organization:123"
  std::string_view version;       // "202607"
};

// LinkedIn's own sentence (its "message", without a Java exception class in front), or
// "HTTP <status>" when the body has none.
std::string linkedin_message(const http::Response& response);

// The relais error for a LinkedIn API answer that is not a success.
Error error_of(const http::Response& response, const CallContext& context);

// The relais error for an upload server's refusal (the uploadUrl of an image or video part):
// its body is not LinkedIn's API error, and its 4xx mean the file or the signed URL is wrong.
Error upload_error_of(const http::Response& response, std::string_view what);

// The post a 422 "Content is a duplicate of urn:li:share:..." names; nullopt for any other
// answer.
std::optional<std::string> duplicate_of(const http::Response& response);

// The JSON object in the body, or a transient error naming `what`.
Result<boost::json::object> object_of(const http::Response& response, std::string_view what);

// obj[key] when it is a string; empty otherwise.
std::string string_field(const boost::json::object& object, std::string_view key);

// Everything but A-Z a-z 0-9 - . _ ~ as %XX (what Rest.li 2.0 asks of URNs in URLs).
std::string percent_encode(std::string_view text);

}  // namespace relais::connectors::linkedin
