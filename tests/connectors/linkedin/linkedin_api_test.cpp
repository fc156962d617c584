// LinkedIn's answers read as relais errors, without a server: its error body, the duplicate
// refusal, and URN encoding.
#include <doctest/doctest.h>

#include "connectors/linkedin/linkedin_api.hpp"

using namespace relais::connectors;
using namespace relais::connectors::linkedin;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

http::Response answer(int status, std::string body, std::vector<http::Header> headers = {}) {
  return {status, std::move(headers), std::move(body)};
}

const CallContext kPost{"the post", "urn:li:organization:2414183", "202607"};

}  // namespace

TEST_CASE("linkedin api: URNs percent-encoded for paths and queries") {
  CHECK(percent_encode("urn:li:organization:2414183") == "urn%3Ali%3Aorganization%3A2414183");
  CHECK(percent_encode("urn:li:share:1/../x y") == "urn%3Ali%3Ashare%3A1%2F..%2Fx%20y");
  CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
}

TEST_CASE("linkedin api: LinkedIn's own message, without the Java class in front") {
  CHECK(linkedin_message(
            answer(401, R"({"status":401,"serviceErrorCode":65600,)"
                        R"("code":"INVALID_ACCESS_TOKEN","message":"Invalid access token"})")) ==
        "Invalid access token");
  CHECK(linkedin_message(answer(
            422, R"({"message":"com.linkedin.content.common.exception.)"
                 R"(BadRequestResponseException: Content is a duplicate of urn:li:share:7"})")) ==
        "Content is a duplicate of urn:li:share:7");
  CHECK(linkedin_message(answer(400, R"({"message":"/commentary: field: value"})")) ==
        "/commentary: field: value");
  CHECK(linkedin_message(answer(502, "<html>Bad gateway</html>")) == "HTTP 502");
}

TEST_CASE("linkedin api: the duplicate refusal names the post already made") {
  const auto dup = answer(
      422, R"({"errorDetailType":"com.linkedin.common.error.BadRequest","message":"com.linkedin.)"
           R"(content.common.exception.BadRequestResponseException: Content is a duplicate of )"
           R"(urn:li:share:7141138937766391808","errorDetails":{"inputErrors":[{"description":)"
           R"("Duplicate post is detected","input":{},"code":"DUPLICATE_POST"}]},"status":422})");
  CHECK(duplicate_of(dup) == "urn:li:share:7141138937766391808");
  CHECK_FALSE(duplicate_of(answer(422, R"({"message":"Content is a duplicate of nothing"})")));
  CHECK_FALSE(
      duplicate_of(answer(400, R"({"message":"Content is a duplicate of urn:li:share:1"})")));
  CHECK_FALSE(duplicate_of(answer(422, "not json")));
}

TEST_CASE("linkedin api: which answers heal and which need a person") {
  const auto expired =
      error_of(answer(401, R"({"message":"The token used in the request has expired"})"), kPost);
  CHECK(expired.kind == ErrorKind::permanent);
  CHECK(expired.message.find("has expired") != std::string::npos);
  CHECK(expired.message.find("access_token_file") != std::string::npos);

  const auto forbidden = error_of(answer(403, R"({"message":"Not enough permissions"})"), kPost);
  CHECK(forbidden.kind == ErrorKind::permanent);
  CHECK(forbidden.message.find("CONTENT_ADMIN of the page urn:li:organization:2414183") !=
        std::string::npos);

  const auto sunset = error_of(
      answer(
          426,
          R"({"code":"NONEXISTENT_VERSION","message":"Requested version 202607 is not active"})"),
      kPost);
  CHECK(sunset.kind == ErrorKind::permanent);
  CHECK(sunset.message.find("linkedin_version") != std::string::npos);

  const auto busy = error_of(answer(503, "", {{"Retry-After", "12"}}), kPost);
  CHECK(busy.kind == ErrorKind::transient);
  CHECK(busy.retry_after == 12s);
  CHECK(error_of(answer(429, "{}"), kPost).kind == ErrorKind::transient);

  const auto refused = error_of(answer(422, R"({"message":"/commentary :: too long"})"), kPost);
  CHECK(refused.kind == ErrorKind::permanent);
  CHECK(refused.message == "LinkedIn refused the post (HTTP 422: /commentary :: too long).");

  CHECK(upload_error_of(answer(500, ""), "the photo").kind == ErrorKind::transient);
  CHECK(upload_error_of(answer(400, ""), "the photo").message ==
        "LinkedIn's upload server refused the photo (HTTP 400).");
}
