#include "connectors/http/oauth2_token.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "connectors/http/retry_hint.hpp"
#include "workflow/base64.hpp"
#include "workflow/blob_store.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::http {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Renewed this long before the token's expiry, so that a call never starts with a dying token.
constexpr std::chrono::seconds kMargin{60};

std::string form_value(std::string_view v) {
  return boost::urls::encode(v, boost::urls::unreserved_chars);
}

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The token endpoint speaks OAuth ({"error", "error_description"}, RFC 6749 5.2), and
// sometimes a problem JSON ({"title", "detail"}: X).
std::string oauth_message(const Response& r, std::string* code) {
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    *code = string_field(o, "error");
    std::string said = string_field(o, "error_description");
    if (said.empty())
      said = string_field(o, "detail");
    if (said.empty())
      said = string_field(o, "title");
    if (said.empty())
      said = *code;
    if (!said.empty())
      return said.substr(0, 300);
  }
  return fmt::format("HTTP {}", r.status);
}

Error renewal_error(const Response& r, const TokenOptions& o) {
  std::string code;
  const std::string said = oauth_message(r, &code);
  if (r.status == 429 || r.status >= 500) {
    Error e = transient(
        fmt::format("{} could not renew the access token just now ({}).", o.provider, said));
    e.retry_after = retry_hint(r, workflow::wall_now());
    return e;
  }
  // X answers a spent or revoked refresh token with 400 invalid_request "Value passed for the
  // token was invalid."; RFC 6749 says invalid_grant. Both mean: authorise again.
  if (code == "invalid_grant" ||
      (code == "invalid_request" && said.find("token") != std::string::npos &&
       said.find("invalid") != std::string::npos)) {
    return permanent(fmt::format(
        "{} refused the refresh token ({}): the authorisation was revoked or the refresh token "
        "is stale: authorise relais again and put the new refresh token in refresh_token_file.",
        o.provider, said));
  }
  if (r.status == 401 || code == "invalid_client" || code == "unauthorized_client") {
    return permanent(fmt::format(
        "{} refused the app's credentials ({}): check client_id and client_secret_file (the "
        "OAuth 2.0 client id and secret of the app registered for relais).",
        o.provider, said));
  }
  return permanent(fmt::format("{} refused to renew the access token ({}).", o.provider, said));
}

Error file_error(std::string_view what, const fs::path& path) {
  return permanent(fmt::format("relais cannot {} the refresh token file {} ({}): {}", what,
                               path.string(), std::strerror(errno),
                               "check refresh_token_file and its directory's permissions."));
}

Result<std::string> read_refresh_token(const fs::path& path, const std::string& scope) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return file_error("read", path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = trimmed(text.str());
  if (token.empty()) {
    return permanent(fmt::format(
        "The refresh token file {} is empty: authorise relais{}{} and put the refresh token in "
        "refresh_token_file.",
        path.string(), scope.empty() ? "" : " with the scopes ", scope));
  }
  return token;
}

}  // namespace

TokenStore::TokenStore(TokenOptions options, std::shared_ptr<Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

bool TokenStore::fresh() const {
  return !access_token_.empty() && std::chrono::steady_clock::now() + kMargin < expires_at_;
}

Result<std::string> TokenStore::access_token() {
  std::lock_guard lock(mutex_);
  if (auto saved = save_pending(); !saved)
    return saved.error();
  if (!fresh()) {
    if (auto renewed = renew(); !renewed)
      return renewed.error();
  }
  return access_token_;
}

Result<std::string> TokenStore::renewed_after(const std::string& refused) {
  std::lock_guard lock(mutex_);
  if (access_token_ != refused && fresh())
    return access_token_;
  if (auto renewed = renew(); !renewed)
    return renewed.error();
  return access_token_;
}

std::string TokenStore::scopes() const {
  std::lock_guard lock(mutex_);
  return scopes_;
}

Result<void> TokenStore::save_pending() {
  if (unsaved_refresh_token_.empty())
    return {};
  if (auto saved = workflow::write_file_durably(options_.refresh_token_file,
                                                unsaved_refresh_token_ + "\n", 0600);
      !saved) {
    Error e = permanent(fmt::format(
        "relais cannot write the refresh token file {} ({}): check refresh_token_file and its "
        "directory's permissions.",
        options_.refresh_token_file.string(), saved.error().message));
    e.message += fmt::format(
        " {} has already replaced the refresh token in that file with a new one, "
        "which relais holds in memory only until it can write it.",
        options_.provider);
    return e;
  }
  unsaved_refresh_token_.clear();
  return {};
}

Result<void> TokenStore::renew() {
  std::string refresh_token = unsaved_refresh_token_;
  if (refresh_token.empty()) {
    auto read = read_refresh_token(options_.refresh_token_file, options_.scope);
    if (!read)
      return read.error();
    refresh_token = std::move(*read);
  }
  Request r;
  r.method = "POST";
  r.url = options_.token_url;
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  if (!options_.client_secret.empty()) {
    r.headers.push_back({"Authorization", "Basic " + workflow::base64(options_.client_id + ":" +
                                                                      options_.client_secret)});
  }
  r.body = "grant_type=refresh_token&refresh_token=" + form_value(refresh_token) +
           "&client_id=" + form_value(options_.client_id);
  if (!options_.scope.empty())
    r.body += "&scope=" + form_value(options_.scope);
  auto answer = client_->send(r);
  if (!answer) {
    // No post was sent: whatever became of this call, no create is in doubt. (The provider
    // may have rotated the refresh token all the same; the next renewal then says so.)
    Error e = answer.error();
    e.outcome_unknown = false;
    e.message = "Renewing the access token failed: " + e.message;
    return e;
  }
  if (answer->status != 200)
    return renewal_error(*answer, options_);
  boost::system::error_code ec;
  const auto v = json::parse(answer->body, ec);
  if (ec || !v.is_object())
    return transient(fmt::format("{} answered the token renewal with something that is not JSON.",
                                 options_.provider));
  const auto& o = v.as_object();
  const std::string access = string_field(o, "access_token");
  const std::string rotated = string_field(o, "refresh_token");
  const auto* expires_in = o.if_contains("expires_in");
  if (access.empty() || !expires_in || !expires_in->is_int64())
    return transient(
        fmt::format("{} answered the token renewal without an access token and its lifetime.",
                    options_.provider));
  access_token_ = access;
  expires_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(expires_in->as_int64());
  scopes_ = string_field(o, "scope");
  // No new refresh token in the answer: the file's one stays the one to use.
  if (rotated.empty()) {
    unsaved_refresh_token_.clear();
    return {};
  }
  if (rotated != refresh_token)
    unsaved_refresh_token_ = rotated;
  return save_pending();
}

}  // namespace relais::connectors::http
