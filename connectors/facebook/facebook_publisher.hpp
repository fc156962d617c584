// The `facebook` channel: an organisation's Facebook Page, on the Graph API with a Page access
// token (developers.facebook.com/docs/pages-api/posts, /docs/video-api/guides/publishing):
//   POST /{v}/{page-id}/feed      text only (form: message) -> {id};
//   POST /{v}/{page-id}/photos    one photo (multipart: source, message, published=true,
//                                 alt_text_custom) -> {id, post_id}; the post is post_id;
//                                 several photos: each with published=false -> {id}, then
//                                 /feed with message and attached_media[i]={"media_fbid":id};
//   POST /{v}/{page-id}/videos    on the video host (multipart: source, description, title)
//                                 -> {id}; the post is the video, its id the video id;
//   GET  /{v}/{id}?fields=permalink_url   the public URL, once made (else facebook.com/{id});
//   DELETE /{v}/{id}              removal; code 100 "does not exist" or 404 is already gone;
//   GET  /{v}/{page-id}/feed (or /videos) the 25 latest, for find(): same text, spaces
//                                 collapsed;
//   GET  /{v}/{page-id}, /{v}/me  check(): the Page, and that the token is that Page's.
// The token goes in an `Authorization: Bearer` header (the Graph API reads an OAuth 2.0 bearer
// token there, RFC 6750, as Meta's own examples on graph.facebook.com send it), never in a URL.
// Facebook cannot put photos and a video in one post, nor two videos: such a post is invalid_input
// (relais's checks refuse it before approval). Errors: graph_error.hpp.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"

namespace relais::connectors::facebook {

// Named after the [channels.NAME] keys of type "facebook".
struct FacebookOptions {
  std::string base_url = "https://graph.facebook.com";              // base_url; no final '/'
  std::string video_base_url = "https://graph-video.facebook.com";  // video_base_url
  std::string graph_version = "v25.0";                              // graph_version
  std::string page_id;       // page_id: the Page's numeric id
  std::string access_token;  // read from access_token_file by the daemon; never logged
};

class FacebookPublisher : public Publisher {
 public:
  // The client is shared by every network channel of the daemon.
  FacebookPublisher(FacebookOptions options, std::shared_ptr<http::Client> client);

  std::string_view type() const override { return "facebook"; }
  // No idempotency key on the Graph API: a lost answer is found again by find().
  Result<PostRef> create(const Post& post) override;
  Result<void> remove(const PostRef& ref) override;
  // Among the Page's 25 latest posts (the latest videos when the post is a video), the one
  // whose text is the text create() posts; nullopt as well when that text is empty (nothing
  // to recognise the post by).
  Result<std::optional<PostRef>> find(const Post& post) override;
  // "posts as Page 'Mairie de X' (id 123)"; permanent when the token is not that Page's.
  Result<std::string> check() override;

 private:
  enum class Host { graph, video };
  // page_id and graph_version as the Graph API takes them (checked before any call).
  Result<void> usable() const;
  Result<http::Response> call(http::Request request, Host host = Host::graph);
  // The JSON object of a 200 answer; any other answer as graph_error() reads it. `publishing`:
  // the call makes a visible post, so a 200 relais cannot read leaves its outcome unknown.
  Result<boost::json::object> success_object(const Result<http::Response>& answer,
                                             bool publishing = false);
  Result<boost::json::object> get_object(const std::string& path);
  Result<boost::json::object> post_photo(const MediaFile& photo, const std::string& message,
                                         bool published);
  Result<PostRef> publish_text(const std::string& text);
  Result<PostRef> publish_photos(const std::vector<const MediaFile*>& photos,
                                 const std::string& text);
  Result<PostRef> publish_video(const MediaFile& video, const Post& post, const std::string& text);
  // Deletes unpublished photos a failed multi-photo post leaves behind (best effort).
  void forget_photos(const std::vector<std::string>& photo_ids);
  // permalink_url when Facebook gives it, else https://www.facebook.com/{id}. Never fails: the
  // post exists by then, and a failure here must not make the dispatcher post it again.
  std::string public_url(const std::string& id);
  Error refused(const http::Response& response) const;

  FacebookOptions options_;
  std::shared_ptr<http::Client> client_;
};

// application/x-www-form-urlencoded, each byte outside [A-Za-z0-9*-._] percent-encoded and
// spaces as '+' (the HTML form encoding the Graph API reads).
std::string form_urlencoded(const std::vector<std::pair<std::string, std::string>>& fields);

// A Graph API node id as relais keeps it: digits, or page-id_post-id.
bool is_graph_id(std::string_view id);

}  // namespace relais::connectors::facebook
