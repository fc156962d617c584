// What X takes as a post's media (docs.x.com media best practices): photos (JPEG, PNG, WebP)
// up to 5 MB, up to 4 per post; one animated GIF (15 MB) or one video (MP4, MOV; 512 MB),
// alone on its post. Checked before anything is uploaded, so that a refusal is one clear
// sentence and not a half-made post.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "connectors/connector.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::x {

struct MediaKind {
  std::string_view category;  // media_category of the upload: tweet_image, tweet_gif, tweet_video
  std::uintmax_t max_bytes;
  bool alone;  // a GIF or a video: the only media of its post
};

// nullopt for a type X does not take on a post.
std::optional<MediaKind> media_kind(std::string_view content_type);

// Permanent when X would refuse the set: a type it does not take, a file too large, more than
// 4 photos, a GIF or video with anything else; invalid_input when a file cannot be read.
Result<void> check_media(const std::vector<MediaFile>& media);

}  // namespace relais::connectors::x
