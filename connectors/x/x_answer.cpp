#include "connectors/x/x_answer.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>

#include "connectors/http/retry_hint.hpp"
#include "connectors/x/x_publisher.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::x {
namespace json = boost::json;

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string x_message(const http::Response& r) {
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  std::string said;
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    for (const auto* key : {"detail", "title", "error_description"}) {
      said = string_field(o, key);
      if (!said.empty())
        break;
    }
    // {"errors": [{"message": ...}]}, alone or under a problem's title ("Invalid Request").
    if (const auto* errors = o.if_contains("errors"); errors && errors->is_array()) {
      for (const auto& e : errors->as_array()) {
        if (!e.is_object())
          continue;
        std::string more = string_field(e.as_object(), "message");
        if (more.empty())
          more = string_field(e.as_object(), "detail");
        if (!more.empty() && more != said) {
          said = said.empty() ? more : said + " " + more;
          break;
        }
      }
    }
  }
  if (said.empty())
    return fmt::format("HTTP {}", r.status);
  if (said.size() > 400)
    said = said.substr(0, 400) + "…";
  return said;
}

Error x_error(const http::Response& r, std::string_view what) {
  const std::string said = x_message(r);
  if (r.status == 401) {
    return permanent(fmt::format(
        "X refused the access token for {} even just after renewing it ({}): authorise relais "
        "again with the scopes {} and put the new refresh token in refresh_token_file.",
        what, said, kScopes));
  }
  if (r.status == 403) {
    return permanent(fmt::format(
        "X refused {} ({}). If the post itself is not at fault, the X app needs the Read and "
        "write permission and relais must be authorised with the scopes {}.",
        what, said, kScopes));
  }
  if (r.status == 429 || r.status >= 500) {
    Error e =
        transient(fmt::format("X is busy or failing; {} did not go through ({}).", what, said));
    e.retry_after = http::retry_hint(r, workflow::wall_now());
    return e;
  }
  return permanent(fmt::format("X refused {} ({}).", what, said));
}

Result<json::object> x_data(const http::Response& r, std::string_view what) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    return transient(fmt::format("X answered {} with something that is not JSON.", what));
  auto* data = v.as_object().if_contains("data");
  if (!data || !data->is_object())
    return transient(fmt::format("X answered {} without the documented \"data\" object.", what));
  return std::move(data->as_object());
}

}  // namespace relais::connectors::x
