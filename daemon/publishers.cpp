#include "daemon/publishers.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "connectors/facebook/facebook_publisher.hpp"
#include "connectors/http/http_client.hpp"
#include "connectors/linkedin/linkedin_publisher.hpp"
#include "connectors/mastodon/mastodon_publisher.hpp"
#include "connectors/site/site_publisher.hpp"
#include "connectors/webhook/webhook_publisher.hpp"
#include "connectors/x/x_publisher.hpp"
#include "daemon/local_time.hpp"
#include "daemon/secret_file.hpp"

namespace relais::daemon {

namespace {

using Http = std::shared_ptr<connectors::http::Client>;
using Made = Result<std::unique_ptr<connectors::Publisher>>;

std::string setting(const ChannelConfig& ch, const char* key) {
  auto it = ch.settings.find(key);
  return it == ch.settings.end() ? std::string() : it->second;
}

// A secret named by a *_file key: the file's content, or an error naming the key and file.
Result<std::string> secret(const ChannelConfig& ch, const char* key) {
  const std::string file = setting(ch, key);
  auto value = read_secret(file);
  if (!value || value->empty())
    return permanent(fmt::format("channels.{}.{}: cannot read {}", ch.name, key, file));
  return *value;
}

// One HTTPS client for every network channel, behind the proxy the environment names.
Http& shared_client(Http& http) {
  if (!http) {
    connectors::http::ClientOptions o;
    connectors::http::proxy_from_environment(o);
    o.user_agent = "relais (publication approval)";
    http = std::make_shared<connectors::http::Client>(std::move(o));
  }
  return http;
}

template <typename P, typename O>
Made made(O options, Http& http) {
  return std::unique_ptr<connectors::Publisher>(
      std::make_unique<P>(std::move(options), shared_client(http)));
}

Made make_site(const Config& cfg, const ChannelConfig& ch, Http&) {
  connectors::site::SiteOptions o;
  o.dir = setting(ch, "dir");
  o.title = setting(ch, "title");
  o.public_url = setting(ch, "public_url");
  o.language = cfg.general.language;
  return std::unique_ptr<connectors::Publisher>(
      std::make_unique<connectors::site::SitePublisher>(std::move(o)));
}

Made make_mastodon(const Config& cfg, const ChannelConfig& ch, Http& http) {
  connectors::mastodon::MastodonOptions o;
  o.base_url = setting(ch, "base_url");
  auto token = secret(ch, "access_token_file");
  if (!token)
    return token.error();
  o.access_token = *token;
  o.visibility = setting(ch, "visibility");
  o.language = cfg.general.language;
  return made<connectors::mastodon::MastodonPublisher>(std::move(o), http);
}

Made make_webhook(const Config&, const ChannelConfig& ch, Http& http) {
  connectors::webhook::WebhookOptions o;
  o.url = setting(ch, "url");
  auto key = secret(ch, "secret_file");
  if (!key)
    return key.error();
  o.secret = *key;
  return made<connectors::webhook::WebhookPublisher>(std::move(o), http);
}

Made make_facebook(const Config&, const ChannelConfig& ch, Http& http) {
  connectors::facebook::FacebookOptions o;
  o.base_url = setting(ch, "base_url");
  o.video_base_url = setting(ch, "video_base_url");
  o.graph_version = setting(ch, "graph_version");
  o.page_id = setting(ch, "page_id");
  auto token = secret(ch, "access_token_file");
  if (!token)
    return token.error();
  o.access_token = *token;
  return made<connectors::facebook::FacebookPublisher>(std::move(o), http);
}

// LinkedIn's tokens live 60 days: the day given in the configuration, else 60 days after the
// token file was last written (when someone pasted a fresh one).
Result<std::optional<std::chrono::system_clock::time_point>> linkedin_expiry(
    const ChannelConfig& ch) {
  using namespace std::chrono;
  const std::string day = setting(ch, "access_token_expires");
  if (!day.empty()) {
    const auto ymd = parse_date(day);
    if (!ymd)
      return permanent(
          fmt::format("channels.{}.access_token_expires: \"{}\" is not a day written YYYY-MM-DD",
                      ch.name, day));
    return std::optional<system_clock::time_point>(sys_days(*ymd));
  }
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(setting(ch, "access_token_file"), ec);
  if (ec)
    return std::optional<system_clock::time_point>();
  return std::optional<system_clock::time_point>(file_clock::to_sys(written) + days(60));
}

Made make_linkedin(const Config&, const ChannelConfig& ch, Http& http) {
  connectors::linkedin::LinkedInOptions o;
  o.base_url = setting(ch, "base_url");
  o.organization = setting(ch, "organization_urn");
  if (!connectors::linkedin::organization_urn(o.organization))
    return permanent(fmt::format(
        "channels.{}.organization_urn: \"{}\" is neither urn:li:organization:NUMBER nor a number",
        ch.name, o.organization));
  o.linkedin_version = setting(ch, "linkedin_version");
  auto token = secret(ch, "access_token_file");
  if (!token)
    return token.error();
  o.access_token = *token;
  auto expires = linkedin_expiry(ch);
  if (!expires)
    return expires.error();
  o.token_expires_at = *expires;
  return made<connectors::linkedin::LinkedInPublisher>(std::move(o), http);
}

Made make_x(const Config&, const ChannelConfig& ch, Http& http) {
  connectors::x::XOptions o;
  o.base_url = setting(ch, "base_url");
  o.upload_base_url = setting(ch, "upload_base_url");
  o.token_url = setting(ch, "token_url");
  o.client_id = setting(ch, "client_id");
  auto client_secret = secret(ch, "client_secret_file");
  if (!client_secret)
    return client_secret.error();
  o.client_secret = *client_secret;
  o.refresh_token_file = setting(ch, "refresh_token_file");
  return made<connectors::x::XPublisher>(std::move(o), http);
}

struct Maker {
  std::string_view type;
  Made (*make)(const Config&, const ChannelConfig&, Http&);
};
// clang-format off
constexpr Maker kMakers[] = {
    {"site", make_site},
    {"facebook", make_facebook},
    {"linkedin", make_linkedin},
    {"x", make_x},
    {"mastodon", make_mastodon},
    {"webhook", make_webhook},
};
// clang-format on

}  // namespace

Result<std::unique_ptr<connectors::Publisher>> make_publisher(const Config& cfg,
                                                              const ChannelConfig& channel,
                                                              Http& http) {
  for (const auto& m : kMakers) {
    if (m.type == channel.type)
      return m.make(cfg, channel, http);
  }
  return permanent(
      fmt::format("channels.{}: type \"{}\" has no connector in this version of relais yet",
                  channel.name, channel.type));
}

Result<void> make_publishers(const Config& cfg,
                             std::map<std::string, std::unique_ptr<connectors::Publisher>>& out) {
  Http http;
  for (const auto& ch : cfg.channels) {
    auto publisher = make_publisher(cfg, ch, http);
    if (!publisher)
      return publisher.error();
    out[ch.name] = std::move(*publisher);
  }
  return {};
}

}  // namespace relais::daemon
