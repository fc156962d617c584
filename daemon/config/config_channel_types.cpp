// The channel types of relais.toml ([channels.NAME] with a `type`) and their keys: one entry
// per connector (see config_keys.hpp for the shape of a key).
#include "daemon/config/config_keys.hpp"

namespace relais::daemon::config_keys {
namespace {

KeySpec base_url(std::string_view default_url, std::string_view help) {
  return {.path = "base_url",
          .type = KeyType::url,
          .default_value = std::string(default_url),
          .help = help,
          .https_unless_loopback = true,
          .required = default_url.empty()};
}

KeySpec secret(std::string_view name, std::string_view help) {
  return {.path = name,
          .type = KeyType::secret_file,
          .default_value = "",
          .help = help,
          .required = true};
}

std::vector<ChannelType> make_channel_types() {
  using T = KeyType;
  return {
      {"site",
       "A local static news page with an Atom feed.",
       {
           {.path = "dir",
            .type = T::path,
            .default_value = "var/site",
            .help = "Directory where the pages, feed and media are written."},
           {.path = "title",
            .type = T::string,
            .default_value = "Actualités",
            .help = "Title of the page and the feed."},
           {.path = "public_url",
            .type = T::url,
            .default_value = "",
            .help = "Public URL of the page; empty = <http.public_url>/site/.",
            .allow_empty = true},
       }},
      {"facebook",
       "A Facebook Page (Graph API).",
       {
           base_url("https://graph.facebook.com", "API endpoint (for proxies and tests)."),
           {.path = "video_base_url",
            .type = T::url,
            .default_value = "https://graph-video.facebook.com",
            .help = "Endpoint for video uploads (for proxies and tests).",
            .https_unless_loopback = true},
           {.path = "graph_version",
            .type = T::string,
            .default_value = "v25.0",
            .help = "Graph API version called, e.g. v25.0; Meta retires each about two years "
                    "after its release."},
           {.path = "page_id",
            .type = T::string,
            .default_value = "",
            .help = "Numeric id of the Page to publish on.",
            .required = true},
           secret("access_token_file",
                  "File holding the Page access token (pages_manage_posts, "
                  "pages_read_engagement; publish_video for videos)."),
       },
       true},
      {"linkedin",
       "A LinkedIn organisation page (Posts API).",
       {
           base_url("https://api.linkedin.com", "API endpoint (for proxies and tests)."),
           {.path = "organization_urn",
            .type = T::string,
            .default_value = "",
            .help = "Organisation to publish as: urn:li:organization:123, or just 123.",
            .required = true},
           {.path = "linkedin_version",
            .type = T::string,
            .default_value = "202607",
            .help = "LinkedIn-Version header (YYYYMM); LinkedIn switches each version off "
                    "about a year after its release."},
           secret("access_token_file",
                  "File holding the OAuth access token (w_organization_social, "
                  "r_organization_social)."),
           {.path = "access_token_expires",
            .type = T::string,
            .default_value = "",
            .help = "Day the token expires (YYYY-MM-DD, as LinkedIn showed it); empty = 60 "
                    "days after access_token_file was last written. The referent is warned "
                    "14, 7 and 1 days before.",
            .allow_empty = true},
       },
       true},
      {"x",
       "An X account (API v2).",
       {
           base_url("https://api.x.com", "API endpoint (for proxies and tests)."),
           {.path = "upload_base_url",
            .type = T::url,
            .default_value = "https://api.x.com",
            .help = "Endpoint of the media upload (for proxies and tests).",
            .https_unless_loopback = true},
           {.path = "token_url",
            .type = T::url,
            .default_value = "https://api.x.com/2/oauth2/token",
            .help = "OAuth 2.0 token endpoint (for proxies and tests).",
            .https_unless_loopback = true},
           {.path = "client_id",
            .type = T::string,
            .default_value = "",
            .help = "OAuth 2.0 Client ID of the organisation's X app.",
            .required = true},
           secret("client_secret_file", "File holding the app's OAuth 2.0 Client Secret."),
           secret("refresh_token_file",
                  "File holding the refresh token (scopes tweet.read tweet.write users.read "
                  "offline.access media.write); relais rewrites it at each rotation, so its "
                  "directory must be writable by relais."),
       },
       true},
      {"mastodon",
       "A Mastodon account.",
       {
           base_url("", "URL of the instance, e.g. https://mastodon.example."),
           secret("access_token_file", "File holding the application's access token."),
           {.path = "visibility",
            .type = T::enumeration,
            .default_value = "public",
            .help = "Visibility of the posts.",
            .allowed = {"public", "unlisted", "private"}},
       },
       true},
      {"webhook",
       "A generic webhook: each post is sent as a signed JSON request.",
       {
           {.path = "url",
            .type = T::url,
            .default_value = "",
            .help = "Endpoint that receives the signed events (schemas/webhook-event.schema.json).",
            .https_unless_loopback = true,
            .required = true},
           secret("secret_file", "File holding the key that signs each request (HMAC-SHA256)."),
       },
       true},
  };
}

}  // namespace

const std::vector<ChannelType>& channel_types() {
  static const std::vector<ChannelType> table = make_channel_types();
  return table;
}

}  // namespace relais::daemon::config_keys
