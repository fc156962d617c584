// The `x` channel, on the X API v2 (docs.x.com/x-api) with an OAuth 2.0 user-context token
// (x_token_store.hpp: renewed with a rotating refresh token, written back to its file):
//   POST /2/media/upload/initialize     JSON {media_type, total_bytes, media_category:
//                                       tweet_image | tweet_gif | tweet_video} -> data.id;
//   POST /2/media/upload/{id}/append    multipart: media (a chunk of at most chunk_bytes),
//                                       segment_index 0, 1, ...;
//   POST /2/media/upload/{id}/finalize  -> data.processing_info {state, check_after_secs}
//                                       for a video: then
//   GET  /2/media/upload?command=STATUS&media_id={id}   until "succeeded" (or "failed");
//   POST /2/media/metadata              JSON {id, metadata: {alt_text: {text}}}, photos and
//                                       GIFs (X describes no video);
//   POST /2/tweets                      JSON {text, media: {media_ids}} -> 201 data.id;
//                                       https://x.com/i/web/status/{id} is its address;
//   DELETE /2/tweets/{id}               data.deleted; 404 means already gone;
//   GET /2/users/me, /2/users/{id}/tweets?max_results=10&tweet.fields=created_at
//                                       the account (check) and its latest posts (find).
// These are the dedicated media endpoints X moved to in 2025, when it announced the end of
// POST /2/media/upload with command=INIT/APPEND/FINALIZE (not used here); STATUS keeps its
// command query. All the media calls go to upload_base_url (api.x.com, as the v2 docs say).
//
// X has no idempotency key: a post whose answer was lost is found again by its text (find);
// X's 403 "You are not allowed to create a Tweet with duplicate content." on create is
// answered the same way. The text is weighed as X does (workflow::x_weighted_length) and
// refused above 280 before any call; a post takes up to 4 photos or 1 video.
// Errors: 401 after a renewal, 403 (policy, duplicate, scopes, app without write permission)
// and other 4xx are permanent with X's own sentence; 429 and 5xx are transient, with the wait
// X asks for (x-rate-limit-reset).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"
#include "connectors/http/oauth2_token.hpp"

namespace relais::connectors::x {

// The scopes relais asks for when it is authorised, and needs.
inline constexpr std::string_view kScopes =
    "tweet.read tweet.write users.read offline.access media.write";

struct XOptions {
  std::string base_url = "https://api.x.com";         // no final '/'
  std::string upload_base_url = "https://api.x.com";  // the media endpoints
  std::string token_url = "https://api.x.com/2/oauth2/token";
  std::string client_id;                      // the app's OAuth 2.0 Client ID
  std::string client_secret;                  // read from client_secret_file by the daemon
  std::filesystem::path refresh_token_file;   // read and rewritten here (X rotates the token)
  std::size_t chunk_bytes = 4 * 1024 * 1024;  // per APPEND; X takes up to 5 MB
  std::chrono::milliseconds max_poll_wait{std::chrono::seconds(30)};  // caps check_after_secs
  int poll_attempts = 60;  // STATUS calls before a video still processing is a transient error
};

class XPublisher : public Publisher {
 public:
  // The client is shared by every network channel of the daemon. No I/O here.
  XPublisher(XOptions options, std::shared_ptr<http::Client> client);

  std::string_view type() const override { return "x"; }
  Result<PostRef> create(const Post& post) override;
  Result<void> remove(const PostRef& ref) override;
  Result<std::optional<PostRef>> find(const Post& post) override;
  Result<std::string> check() override;

 private:
  Result<std::string> upload(const MediaFile& media);
  Result<void> append(const std::string& id, const MediaFile& media, std::uintmax_t size);
  Result<void> wait_for_processing(const std::string& id, const boost::json::object& finalized,
                                   const MediaFile& media);
  Result<void> describe(const std::string& id, const MediaFile& media);
  // One call with the access token; after a 401, the token is renewed and the call made again
  // once. `request.url` is the whole URL.
  Result<http::Response> call(http::Request request);
  Result<boost::json::object> me();
  Result<std::string> user_id();
  Result<bool> still_there(const std::string& id);

  XOptions options_;
  std::shared_ptr<http::Client> client_;
  http::TokenStore tokens_;
  std::mutex mutex_;
  std::string user_id_;  // the account's id, read once
};

// The public address of post `id`.
std::string post_url(const std::string& id);

}  // namespace relais::connectors::x
