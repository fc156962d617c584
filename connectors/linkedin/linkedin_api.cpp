#include "connectors/linkedin/linkedin_api.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>

#include "connectors/http/retry_hint.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::linkedin {
namespace json = boost::json;

namespace {

std::optional<json::object> body_object(const http::Response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.as_object());
}

// "com.linkedin.content.common.exception.BadRequestResponseException: Content is..." reads
// "Content is..." for a person.
std::string without_exception_class(std::string message) {
  const auto colon = message.find(": ");
  if (colon == std::string::npos)
    return message;
  const std::string_view head(message.data(), colon);
  const bool is_class = head.find('.') != std::string_view::npos && head.ends_with("Exception") &&
                        head.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
                            "XYZ0123456789_.$") == std::string_view::npos;
  return is_class ? message.substr(colon + 2) : message;
}

// "HTTP 422: Content is a duplicate..." or "HTTP 500".
std::string status_and_message(const http::Response& r) {
  const std::string said = linkedin_message(r);
  const std::string status = fmt::format("HTTP {}", r.status);
  return said == status ? status : fmt::format("{}: {}", status, said);
}

Error transient_with_hint(const http::Response& r, std::string message) {
  Error e = transient(std::move(message));
  e.retry_after = http::retry_hint(r, workflow::wall_now());
  return e;
}

bool heals(int status) {
  return status == 408 || status == 429 || status >= 500;
}

}  // namespace

std::string linkedin_message(const http::Response& r) {
  if (const auto body = body_object(r)) {
    const std::string message = string_field(*body, "message");
    if (!message.empty())
      return without_exception_class(message);
  }
  return fmt::format("HTTP {}", r.status);
}

Error error_of(const http::Response& r, const CallContext& context) {
  const std::string said = status_and_message(r);
  std::string code;
  if (const auto body = body_object(r))
    code = string_field(*body, "code");
  if (r.status == 401) {
    return permanent(fmt::format(
        "LinkedIn refused the access token ({}). LinkedIn tokens last 60 days and can be "
        "revoked: a page administrator must authorise relais again (permissions "
        "w_organization_social and r_organization_social) and the new token must replace the "
        "one in access_token_file.",
        said));
  }
  if (r.status == 403) {
    return permanent(fmt::format(
        "LinkedIn refused {} ({}). The token must carry the w_organization_social and "
        "r_organization_social permissions, and the member who authorised it must be an "
        "ADMINISTRATOR or CONTENT_ADMIN of the page {}.",
        context.what, said, context.organization));
  }
  if (r.status == 426 || code == "VERSION_MISSING" || code == "NONEXISTENT_VERSION") {
    return permanent(fmt::format(
        "LinkedIn no longer serves API version {} ({}): set linkedin_version to a current "
        "version (YYYYMM) in the channel's configuration.",
        context.version, said));
  }
  if (heals(r.status))
    return transient_with_hint(r, fmt::format("LinkedIn is busy or failing ({}).", said));
  return permanent(fmt::format("LinkedIn refused {} ({}).", context.what, said));
}

Error upload_error_of(const http::Response& r, std::string_view what) {
  const std::string said = status_and_message(r);
  if (heals(r.status))
    return transient_with_hint(
        r, fmt::format("LinkedIn's upload server is busy or failing ({}).", said));
  return permanent(fmt::format("LinkedIn's upload server refused {} ({}).", what, said));
}

std::optional<std::string> duplicate_of(const http::Response& r) {
  if (r.status != 422)
    return std::nullopt;
  const auto body = body_object(r);
  if (!body)
    return std::nullopt;
  const std::string message = string_field(*body, "message");
  constexpr std::string_view kSaid = "Content is a duplicate of ";
  const auto at = message.find(kSaid);
  if (at == std::string::npos)
    return std::nullopt;
  const std::string rest = message.substr(at + kSaid.size());
  const std::string urn = rest.substr(
      0,
      rest.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-"));
  if (!urn.starts_with("urn:li:") || urn.size() == 7)
    return std::nullopt;
  return urn;
}

Result<json::object> object_of(const http::Response& r, std::string_view what) {
  auto body = body_object(r);
  if (!body)
    return transient(fmt::format("LinkedIn answered {} with something that is not JSON.", what));
  return std::move(*body);
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace relais::connectors::linkedin
