#include "workflow/network_limits.hpp"

#include <algorithm>
#include <array>

#include "workflow/text_length.hpp"

namespace relais::workflow {
namespace {

// HEIC photos are published as JPEG (published_copy.hpp), so no row needs to list heif.
constexpr std::array<std::string_view, 4> kJpegPngGifWebp{"jpeg", "png", "gif", "webp"};
constexpr std::array<std::string_view, 3> kJpegPngGif{"jpeg", "png", "gif"};
constexpr std::array<std::string_view, 5> kFacebookImages{"jpeg", "png", "gif", "tiff", "webp"};
constexpr std::array<std::string_view, 6> kAnyImage{"jpeg", "png", "gif", "webp", "tiff", "heif"};
constexpr std::array<std::string_view, 2> kMp4Mov{"mp4", "mov"};
constexpr std::array<std::string_view, 1> kMp4{"mp4"};
constexpr std::array<std::string_view, 3> kMp4MovWebm{"mp4", "mov", "webm"};

constexpr std::int64_t MB = 1024 * 1024;

// clang-format off
constexpr std::array<NetworkLimits, 6> kLimits{{
  // X API v2: 280 weighted characters; 4 images of 5 MB (JPEG, PNG, GIF, WebP), or one video
  // of 512 MB and 140 s; a post carries images or a video, not both.
  {"x", "X (Twitter)", 280, TextCounting::x_weighted, 4, 5 * MB, 0, kJpegPngGifWebp,
   512 * MB, 140, 0.5, kMp4Mov, false},
  // Facebook Pages (Graph API): 63,206 characters; photos of 4 MB (JPEG, PNG, GIF, TIFF,
  // WebP); videos up to 10 GB and 240 minutes. relais posts at most 10 photos at once.
  {"facebook", "Facebook", 63206, TextCounting::code_points, 10, 4 * MB, 0, kFacebookImages,
   10240 * MB, 240 * 60, 1, kMp4Mov, false},
  // LinkedIn Posts API: commentary of 3,000 characters; images (JPEG, PNG, GIF) of at most
  // 36,152,320 pixels, 20 per post; video MP4, 75 KB to 500 MB, 3 s to 30 min.
  {"linkedin", "LinkedIn", 3000, TextCounting::code_points, 20, 0, 36152320, kJpegPngGif,
   500 * MB, 30 * 60, 3, kMp4, false},
  // Mastodon 4.x defaults (an instance announces its own in /api/v2/instance): 500 characters,
  // 4 attachments, images of 16 MB and 33,177,600 pixels, videos of 99 MB.
  {"mastodon", "Mastodon", 500, TextCounting::mastodon, 4, 16 * MB, 33177600, kJpegPngGifWebp,
   99 * MB, 0, 0, kMp4MovWebm, false},
  // The local news page: what a browser shows; photos and video may share a post.
  {"site", "la page d'actualités", 0, TextCounting::code_points, 20, 0, 0, kAnyImage,
   0, 0, 0, kMp4MovWebm, true},
  // A webhook hands the post to another system, which applies its own rules.
  {"webhook", "le webhook", 0, TextCounting::code_points, 0, 0, 0, kAnyImage,
   0, 0, 0, kMp4MovWebm, true},
}};
// clang-format on

}  // namespace

const NetworkLimits* limits_for(std::string_view channel_type) {
  auto it = std::find_if(kLimits.begin(), kLimits.end(),
                         [&](const NetworkLimits& l) { return l.type == channel_type; });
  return it == kLimits.end() ? nullptr : &*it;
}

std::span<const NetworkLimits> all_network_limits() {
  return kLimits;
}

std::size_t text_length_for(const NetworkLimits& limits, std::string_view text) {
  switch (limits.counting) {
    case TextCounting::x_weighted:
      return x_weighted_length(text);
    case TextCounting::mastodon:
      return mastodon_length(text);
    case TextCounting::code_points:
      break;
  }
  return code_point_count(text);
}

}  // namespace relais::workflow
