// The `mastodon` channel, on the instance's REST API (docs.joinmastodon.org/methods/):
//   POST /api/v2/media          one per photo or video (multipart: file, description = alt
//                               text); 200 when ready, 202 while the server processes it, then
//                               GET /api/v1/media/:id until 200 (206 meanwhile);
//   POST /api/v1/statuses       JSON {status, media_ids, visibility, language} with an
//                               Idempotency-Key header equal to the post's key, so that a
//                               retry after a lost answer returns the same status;
//   DELETE /api/v1/statuses/:id removal; 404 means already gone.
// Errors: 401/403 (token invalid, revoked, or without write:statuses / write:media) and 422
// (refused content) are permanent, with the server's own message; 429 and 5xx are transient,
// with the wait the server asks for (retry_hint).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"

namespace relais::connectors::mastodon {

struct MastodonOptions {
  std::string base_url;      // "https://social.example.org", no final '/'
  std::string access_token;  // read from access_token_file by the daemon; never logged
  std::string visibility = "public";
  std::string language = "fr";
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  int poll_attempts = 60;  // a video may take a minute to process
};

class MastodonPublisher : public Publisher {
 public:
  // The client is shared by every network channel of the daemon.
  MastodonPublisher(MastodonOptions options, std::shared_ptr<http::Client> client);

  std::string_view type() const override { return "mastodon"; }
  Result<PostRef> create(const Post& post) override;
  Result<void> remove(const PostRef& ref) override;

 private:
  Result<std::string> upload(const MediaFile& media);
  Result<http::Response> call(http::Request request);

  MastodonOptions options_;
  std::shared_ptr<http::Client> client_;
};

}  // namespace relais::connectors::mastodon
