// The `mastodon` channel, on the instance's REST API (docs.joinmastodon.org/methods/):
//   POST /api/v2/media          one per photo or video (multipart: file, description = alt
//                               text); 200 when ready, 202 while the server processes it, then
//                               GET /api/v1/media/:id until 200 (206 meanwhile);
//   POST /api/v1/statuses       JSON {status, media_ids, visibility, language} with an
//                               Idempotency-Key header equal to the post's key, so that a
//                               retry after a lost answer returns the same status;
//   DELETE /api/v1/statuses/:id removal; 404 means already gone;
//   GET /api/v2/instance        the server's own limits (characters per status, attachments),
//                               read once, so that a refusal is ours and clear, not a 422;
//   GET /api/v1/accounts/verify_credentials, /api/v1/accounts/:id/statuses
//                               the account (check) and its latest statuses (find: the
//                               status's HTML content read back as text, spaces collapsed).
// Errors: 401/403 (token invalid, revoked, or without write:statuses / write:media) and 422
// (refused content) are permanent, with the server's own message; 429 and 5xx are transient,
// with the wait the server asks for (retry_hint).
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"

namespace relais::connectors::mastodon {

struct MastodonOptions {
  std::string base_url;      // "https://social.example.org", no final '/'
  std::string access_token;  // read from access_token_file by the daemon; never logged
  std::string visibility = "public";
  std::string language = "fr";
  // A photo is usually ready within a second, a video may take minutes: the first look comes
  // soon, then each wait doubles up to poll_max.
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds poll_max{std::chrono::seconds(5)};
  int poll_attempts = 40;  // about three minutes in all
};

class MastodonPublisher : public Publisher {
 public:
  // The client is shared by every network channel of the daemon.
  MastodonPublisher(MastodonOptions options, std::shared_ptr<http::Client> client);

  std::string_view type() const override { return "mastodon"; }
  Result<PostRef> create(const Post& post) override;
  Result<void> remove(const PostRef& ref) override;
  Result<std::optional<PostRef>> find(const Post& post) override;
  Result<std::string> check() override;

 private:
  struct Limits {
    std::size_t max_characters = 500;
    std::size_t max_media = 4;
  };
  Result<std::string> upload(const MediaFile& media);
  Result<http::Response> call(http::Request request);
  Result<boost::json::object> get_object(const std::string& path);
  Limits limits();

  MastodonOptions options_;
  std::shared_ptr<http::Client> client_;
  std::mutex mutex_;
  std::optional<Limits> limits_;  // read from the instance once
};

// The plain text of a status's HTML content (<p> as blank lines, <br> as line breaks, links as
// their text, entities decoded), for comparing with the text relais posted.
std::string text_of_html(std::string_view html);

}  // namespace relais::connectors::mastodon
