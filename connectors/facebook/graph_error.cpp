#include "connectors/facebook/graph_error.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "connectors/http/retry_hint.hpp"

namespace relais::connectors::facebook {
namespace json = boost::json;

namespace {

constexpr std::string_view kWhatToDo =
    "generate a new Page access token (permissions pages_manage_posts and "
    "pages_read_engagement, and publish_video for videos) from an account that can create "
    "content on the Page, and put it in access_token_file";

int int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64())
    return static_cast<int>(v->as_int64());
  if (v && v->is_uint64())
    return static_cast<int>(v->as_uint64());
  return 0;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string without(std::string text, std::string_view secret) {
  if (secret.empty())
    return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[access token]");
  return text;
}

// Facebook's own words, with the codes its support asks for.
std::string said(const GraphError& e) {
  std::string out = e.message.empty() ? "no message" : e.message;
  if (!e.user_message.empty() && e.user_message != e.message)
    out += " - " + e.user_message;
  out += fmt::format("; code {}", e.code);
  if (e.subcode != 0)
    out += fmt::format(", subcode {}", e.subcode);
  if (!e.fbtrace_id.empty())
    out += ", fbtrace_id " + e.fbtrace_id;
  return out;
}

bool is_token_error(const GraphError& e) {
  return e.code == 190 || e.code == 102 || e.code == 2500;
}

bool is_permission_error(const GraphError& e) {
  return e.code == 3 || e.code == 10 || (e.code >= 200 && e.code <= 299);
}

bool is_rate_limit(const GraphError& e) {
  switch (e.code) {
    case 4:
    case 17:
    case 32:
    case 341:
    case 613:
    case 80001:
      return true;
    default:
      return false;
  }
}

// Why the token stopped working, where the subcode says it (error-handling guide).
std::string_view token_reason(int subcode) {
  switch (subcode) {
    case 458:
      return " (the app was removed from the account that made the token)";
    case 459:
    case 464:
      return " (that account must log in to facebook.com to unlock itself)";
    case 460:
      return " (the password of the account that made the token was changed)";
    case 463:
      return " (the token has expired)";
    case 467:
      return " (the token is no longer valid)";
    case 492:
      return " (the account that made the token no longer has a role on the Page)";
    default:
      return "";
  }
}

Error busy(std::string message, const http::Response& r,
           std::chrono::system_clock::time_point now) {
  Error e = transient(std::move(message));
  e.retry_after = http::retry_hint(r, now);
  return e;
}

}  // namespace

std::optional<GraphError> parse_graph_error(std::string_view body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  const auto* error = v.as_object().if_contains("error");
  if (!error || !error->is_object())
    return std::nullopt;
  const auto& o = error->as_object();
  GraphError e;
  e.code = int_field(o, "code");
  e.subcode = int_field(o, "error_subcode");
  e.type = string_field(o, "type");
  e.message = string_field(o, "message");
  e.user_message = string_field(o, "error_user_msg");
  e.fbtrace_id = string_field(o, "fbtrace_id");
  const auto* transient = o.if_contains("is_transient");
  e.is_transient = transient && transient->is_bool() && transient->as_bool();
  if (e.code == 0 && e.message.empty())
    return std::nullopt;
  return e;
}

bool is_missing_object(const http::Response& response) {
  if (response.status == 404)
    return true;
  const auto e = parse_graph_error(response.body);
  return e && e->code == 100 && (e->subcode == 33 || e->subcode == 0);
}

Error graph_error(const http::Response& r, std::string_view secret,
                  std::chrono::system_clock::time_point now) {
  const auto parsed = parse_graph_error(r.body);
  if (!parsed) {
    const std::string status = fmt::format("HTTP {} without a Graph API error", r.status);
    if (r.status == 429 || r.status >= 500)
      return busy(fmt::format("Facebook is busy or failing ({}).", status), r, now);
    if (r.status == 401)
      return permanent(
          fmt::format("Facebook refused the Page access token ({}): {}.", status, kWhatToDo));
    return permanent(fmt::format("Facebook refused the request ({}).", status));
  }
  const GraphError& e = *parsed;
  const std::string words = without(said(e), secret);
  if (is_token_error(e)) {
    return permanent(fmt::format("Facebook refused the Page access token{} ({}): {}.",
                                 token_reason(e.subcode), words, kWhatToDo));
  }
  if (is_permission_error(e)) {
    return permanent(
        fmt::format("Facebook refused for lack of a permission ({}): {}.", words, kWhatToDo));
  }
  if (is_rate_limit(e))
    return busy(fmt::format("Facebook asks relais to slow down ({}).", words), r, now);
  if (e.code == 1 || e.code == 2 || e.is_transient || r.status == 429 || r.status >= 500)
    return busy(fmt::format("Facebook is failing for a moment ({}).", words), r, now);
  if (e.code == 368) {
    return permanent(fmt::format(
        "Facebook has blocked the Page from posting for breaking its rules ({}): someone must "
        "look at the Page's quality notices on facebook.com before relais posts again.",
        words));
  }
  return permanent(fmt::format("Facebook refused the request: {}.", words));
}

}  // namespace relais::connectors::facebook
