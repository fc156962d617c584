// The Graph API error answers (error-handling guide) read and mapped: what heals is transient
// with the wait Meta's headers ask for, what does not is permanent with what to do; and the
// small encoders the connector writes requests with.
#include <doctest/doctest.h>

#include "connectors/facebook/facebook_publisher.hpp"
#include "connectors/facebook/graph_error.hpp"

using namespace relais::connectors;
using namespace relais::connectors::facebook;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

const auto kNow = std::chrono::system_clock::from_time_t(1'790'000'000);

http::Response graph(int status, int code, int subcode = 0, std::vector<http::Header> headers = {},
                     std::string message = "Something happened") {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = R"({"error":{"message":")" + message + R"(","type":"OAuthException","code":)" +
           std::to_string(code) +
           (subcode ? R"(,"error_subcode":)" + std::to_string(subcode) : std::string()) +
           R"(,"fbtrace_id":"EJplcsCHuLu"}})";
  return r;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("facebook: the documented error body is read whole") {
  const auto e = parse_graph_error(
      R"({"error":{"message":"Message describing the error","type":"OAuthException","code":190,)"
      R"("error_subcode":460,"error_user_title":"A title","error_user_msg":"A message",)"
      R"("fbtrace_id":"EJplcsCHuLu"}})");
  REQUIRE(e.has_value());
  CHECK(e->code == 190);
  CHECK(e->subcode == 460);
  CHECK(e->type == "OAuthException");
  CHECK(e->message == "Message describing the error");
  CHECK(e->user_message == "A message");
  CHECK(e->fbtrace_id == "EJplcsCHuLu");
  CHECK_FALSE(e->is_transient);
  CHECK_FALSE(parse_graph_error("<html>502 Bad Gateway</html>").has_value());
  CHECK_FALSE(parse_graph_error(R"({"id":"1"})").has_value());
}

TEST_CASE("facebook: each error code to what relais does") {
  SUBCASE("token invalid, expired, missing: permanent, replace access_token_file") {
    for (const auto& [code, subcode] : {std::pair{190, 0}, {190, 463}, {102, 0}, {2500, 0}}) {
      const auto e = graph_error(graph(400, code, subcode), "", kNow);
      CHECK(e.kind == ErrorKind::permanent);
      CHECK(has(e.message, "access_token_file"));
      CHECK(has(e.message, "pages_manage_posts"));
    }
    CHECK(has(graph_error(graph(400, 190, 463), "", kNow).message, "has expired"));
    CHECK(has(graph_error(graph(400, 190, 492), "", kNow).message, "no longer has a role"));
  }
  SUBCASE("permission missing: permanent, which permissions") {
    for (int code : {10, 200, 299}) {
      const auto e = graph_error(graph(403, code), "", kNow);
      CHECK(e.kind == ErrorKind::permanent);
      CHECK(has(e.message, "lack of a permission"));
      CHECK(has(e.message, "pages_read_engagement"));
    }
  }
  SUBCASE("rate limits and passing failures: transient") {
    for (int code : {4, 17, 32, 341, 613, 80001, 1, 2}) {
      const auto e = graph_error(graph(400, code), "", kNow);
      CHECK(e.kind == ErrorKind::transient);
      CHECK_FALSE(e.retry_after.has_value());
    }
    CHECK(graph_error(graph(503, 99999), "", kNow).kind == ErrorKind::transient);
    const http::Response upload{
        400, {}, R"({"error":{"message":"Video upload failed","code":6001,"is_transient":true}})"};
    CHECK(graph_error(upload, "", kNow).kind == ErrorKind::transient);
  }
  SUBCASE("the wait Meta's usage headers ask for") {
    const auto buc = graph_error(
        graph(400, 80001, 0,
              {{"X-Business-Use-Case-Usage",
                R"({"104729385617":[{"type":"pages","call_count":100,"total_cputime":12,)"
                R"("total_time":14,"estimated_time_to_regain_access":15}]})"}}),
        "", kNow);
    CHECK(buc.kind == ErrorKind::transient);
    CHECK(buc.retry_after == 900s);
    const auto app =
        graph_error(graph(403, 4, 0, {{"X-App-Usage", R"({"call_count":100})"}}), "", kNow);
    CHECK(app.retry_after == 300s);
  }
  SUBCASE("refusals that will not heal: permanent with Facebook's words and trace id") {
    const auto policy = graph_error(graph(400, 368, 0, {}, "You have been blocked"), "", kNow);
    CHECK(policy.kind == ErrorKind::permanent);
    CHECK(has(policy.message, "You have been blocked"));
    CHECK(has(policy.message, "fbtrace_id EJplcsCHuLu"));
    const auto param = graph_error(graph(400, 100, 0, {}, "(#100) Invalid parameter"), "", kNow);
    CHECK(param.kind == ErrorKind::permanent);
    CHECK(has(param.message, "(#100) Invalid parameter"));
    CHECK(graph_error(graph(400, 506), "", kNow).kind == ErrorKind::permanent);
  }
  SUBCASE("answers without a Graph error body") {
    http::Response gateway{502, {{"Retry-After", "12"}}, "<html>Bad Gateway</html>"};
    const auto e = graph_error(gateway, "", kNow);
    CHECK(e.kind == ErrorKind::transient);
    CHECK(e.retry_after == 12s);
    CHECK(graph_error({401, {}, ""}, "", kNow).kind == ErrorKind::permanent);
    CHECK(graph_error({400, {}, "nope"}, "", kNow).kind == ErrorKind::permanent);
  }
  SUBCASE("the token is never repeated, even when Facebook quotes it") {
    const auto e = graph_error(graph(400, 190, 0, {}, "Malformed access token EAAGsecret42"),
                               "EAAGsecret42", kNow);
    CHECK_FALSE(has(e.message, "EAAGsecret42"));
    CHECK(has(e.message, "Malformed access token [access token]"));
  }
}

TEST_CASE("facebook: already gone is code 100 (subcode 33) or 404") {
  CHECK(is_missing_object(graph(400, 100, 33)));
  CHECK(is_missing_object({404, {}, ""}));
  CHECK_FALSE(is_missing_object(graph(400, 190)));
  CHECK_FALSE(is_missing_object(graph(400, 100, 1487)));
}

TEST_CASE("facebook: form encoding and ids") {
  CHECK(form_urlencoded({{"message", "Fête du 14 juillet & bal"},
                         {"attached_media[0]", R"({"media_fbid":"12"})"}}) ==
        "message=F%C3%AAte+du+14+juillet+%26+bal&"
        "attached_media%5B0%5D=%7B%22media_fbid%22%3A%2212%22%7D");
  CHECK(is_graph_id("104729385617_900004"));
  CHECK(is_graph_id("900004"));
  CHECK_FALSE(is_graph_id(""));
  CHECK_FALSE(is_graph_id("_1"));
  CHECK_FALSE(is_graph_id("1_"));
  CHECK_FALSE(is_graph_id("1_2_3"));
  CHECK_FALSE(is_graph_id("../me"));
}
