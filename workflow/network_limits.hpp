// What each network accepts, as data: one row per channel type, checked for the channels a
// request will go to before the referent is asked (a post refused by the network after approval
// is a failure the agent could have fixed). Figures come from each platform's developer
// documentation; 0 means "no limit that relais needs to check".
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace relais::workflow {

enum class TextCounting { code_points, x_weighted, mastodon };

struct NetworkLimits {
  std::string_view type;   // channel type, as in [channels.NAME] type = "..."
  std::string_view label;  // as the agent knows it
  std::size_t max_text = 0;
  TextCounting counting = TextCounting::code_points;
  int max_images = 0;  // per post
  std::int64_t max_image_bytes = 0;
  std::int64_t max_image_pixels = 0;
  std::span<const std::string_view> image_formats;  // image_pipeline.hpp's names, after conversion
  std::int64_t max_video_bytes = 0;
  double max_video_seconds = 0;
  double min_video_seconds = 0;
  std::span<const std::string_view> video_containers;  // video_probe.hpp's names
  bool images_and_video_together = true;
};

// The row for a channel type; nullptr for a type relais does not know limits of.
const NetworkLimits* limits_for(std::string_view channel_type);

std::span<const NetworkLimits> all_network_limits();

// The text's length as the network counts it.
std::size_t text_length_for(const NetworkLimits& limits, std::string_view text);

}  // namespace relais::workflow
