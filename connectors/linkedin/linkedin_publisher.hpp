// The `linkedin` channel: posts as an organisation page on LinkedIn's versioned Community
// Management REST API (learn.microsoft.com/linkedin/marketing/community-management/shares/).
// Every call carries Authorization: Bearer, LinkedIn-Version: YYYYMM and
// X-Restli-Protocol-Version: 2.0.0; URNs in paths and queries are percent-encoded.
//   POST /rest/images?action=initializeUpload   one per photo, then PUT the bytes (with the
//                               bearer token) to the uploadUrl it gives;
//   POST /rest/videos?action=initializeUpload   one per video (fileSizeBytes, no captions, no
//                               thumbnail), PUT each byte range to its uploadUrl, collect the
//                               ETags, then POST /rest/videos?action=finalizeUpload;
//   GET /rest/images/{urn}, /rest/videos/{urn}  until the media is AVAILABLE;
//   POST /rest/posts            the post, author the organisation, commentary in the "little"
//                               text format (little_text.hpp), one image or video as
//                               content.media, 2 to 20 images as content.multiImage; 201 with
//                               the post's URN in x-restli-id. LinkedIn has no idempotency key
//                               but refuses a duplicate with 422 "Content is a duplicate of
//                               urn:li:share:..."; that post is taken as the one already made;
//   DELETE /rest/posts/{urn}    removal (X-RestLi-Method: DELETE); 404 means already gone;
//   GET /rest/posts?q=author    the page's latest posts (find, by commentary);
//   GET /rest/organizations/{id}  the page's name (check).
// Errors: 401 (token expired after its 60 days, or revoked) and 403 (missing
// w_organization_social / r_organization_social, or the member is not an ADMINISTRATOR or
// CONTENT_ADMIN of the page) are permanent and say what to do; 426 (API version sunset), 400
// and 422 are permanent with LinkedIn's own message; 429 and 5xx are transient with the wait
// the answer asks for (retry_hint).
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"

namespace relais::connectors::linkedin {

struct CallContext;

struct LinkedInOptions {
  std::string base_url = "https://api.linkedin.com";  // no final '/'
  std::string organization;                           // "urn:li:organization:123" or "123"
  std::string access_token;  // read from access_token_file by the daemon; never logged
  // The API version every call asks for (LinkedIn-Version). Each monthly version is served
  // for about a year; a sunset one is refused with 426 and the channel fails until it is
  // changed here.
  std::string linkedin_version = "202607";
  // When the token stops working: access_token_expires, or access_token_file's modification
  // time + 60 days, as the daemon read it. Only reported (credentials_expire_at, check).
  std::optional<std::chrono::system_clock::time_point> token_expires_at;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
  int poll_attempts = 90;  // a video may take minutes to process
};

class LinkedInPublisher : public Publisher {
 public:
  // The client is shared by every network channel of the daemon. No I/O here: a malformed
  // organization is reported by each call.
  LinkedInPublisher(LinkedInOptions options, std::shared_ptr<http::Client> client);

  std::string_view type() const override { return "linkedin"; }
  Result<PostRef> create(const Post& post) override;
  Result<void> remove(const PostRef& ref) override;
  Result<std::optional<PostRef>> find(const Post& post) override;
  Result<std::string> check() override;
  std::optional<std::chrono::system_clock::time_point> credentials_expire_at() const override {
    return options_.token_expires_at;
  }

 private:
  enum class Kind { image, video };
  Result<http::Response> call(http::Request request);
  // POST of a Rest.li action (…?action=initializeUpload) with a JSON body; the 200 answer.
  Result<http::Response> action(const std::string& path, const boost::json::object& body,
                                std::string_view what);
  Result<std::string> upload_image(const MediaFile& media);  // the image URN
  Result<std::string> upload_video(const MediaFile& media);  // the video URN
  Result<void> wait_available(Kind kind, const std::string& urn);
  Result<std::string> organization();
  CallContext context(std::string_view what) const;

  LinkedInOptions options_;
  std::shared_ptr<http::Client> client_;
  std::string page_;  // the organisation's URN, or the option as given when it is not one
};

// "urn:li:organization:123" for "urn:li:organization:123" or "123"; nullopt for anything else
// (for the daemon's configuration check).
std::optional<std::string> organization_urn(std::string_view organization);

// The public address of a post: https://www.linkedin.com/feed/update/<urn>/.
std::string post_url(std::string_view urn);

}  // namespace relais::connectors::linkedin
