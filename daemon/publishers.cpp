#include "daemon/publishers.hpp"

#include <fmt/format.h>

#include "connectors/http/http_client.hpp"
#include "connectors/mastodon/mastodon_publisher.hpp"
#include "connectors/site/site_publisher.hpp"
#include "daemon/secret_file.hpp"

namespace relais::daemon {

namespace {

std::string setting(const ChannelConfig& ch, const char* key) {
  auto it = ch.settings.find(key);
  return it == ch.settings.end() ? std::string() : it->second;
}

// One HTTPS client for every network channel, behind the proxy the environment names.
std::shared_ptr<connectors::http::Client> make_http_client() {
  connectors::http::ClientOptions o;
  connectors::http::proxy_from_environment(o);
  o.user_agent = "relais (publication approval)";
  return std::make_shared<connectors::http::Client>(std::move(o));
}

}  // namespace

Result<void> make_publishers(const Config& cfg,
                             std::map<std::string, std::unique_ptr<connectors::Publisher>>& out) {
  std::shared_ptr<connectors::http::Client> http;
  for (const auto& ch : cfg.channels) {
    if (ch.type == "site") {
      connectors::site::SiteOptions o;
      o.dir = setting(ch, "dir");
      o.title = setting(ch, "title");
      o.public_url = setting(ch, "public_url");
      o.language = cfg.general.language;
      out[ch.name] = std::make_unique<connectors::site::SitePublisher>(std::move(o));
    } else if (ch.type == "mastodon") {
      if (!http)
        http = make_http_client();
      connectors::mastodon::MastodonOptions o;
      o.base_url = setting(ch, "base_url");
      auto token = read_secret(setting(ch, "access_token_file"));
      if (!token)
        return permanent(fmt::format("channels.{}.access_token_file: cannot read {}", ch.name,
                                     setting(ch, "access_token_file")));
      o.access_token = *token;
      o.visibility = setting(ch, "visibility");
      o.language = cfg.general.language;
      out[ch.name] = std::make_unique<connectors::mastodon::MastodonPublisher>(std::move(o), http);
    } else {
      return permanent(fmt::format(
          "channels.{}: type \"{}\" has no connector in this version of relais yet; \"site\" "
          "and \"mastodon\" are available",
          ch.name, ch.type));
    }
  }
  return {};
}

}  // namespace relais::daemon
