// Reading untrusted video files with libavformat and libavcodec: what the file holds (container,
// codecs, displayed size, duration) and a JPEG poster frame. Only common video containers are
// opened (MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, Ogg, ASF), from local files only, so a
// playlist or a reference inside the file cannot make the library read another file or a URL.
// A file that is not such a video, is damaged, or is over the limits is invalid_input with an
// English sentence saying why; libav's own log lines are silenced.
#pragma once

#include <cstdint>
#include <string>

#include "workflow/result.hpp"

namespace relais::workflow {

struct VideoInfo {
  std::string container;        // "mp4", "mov", "3gp", "webm", "matroska", "avi", "mpegts"...
  std::string video_codec;      // libavcodec's name: "h264", "hevc", "vp9", "av1"...
  std::string audio_codec;      // empty if the file has no audio stream
  int width = 0;                // as displayed: pixel aspect ratio and rotation applied, so a
  int height = 0;               // portrait phone video has width < height
  double duration_seconds = 0;  // 0 when the container does not say
  double frame_rate = 0;        // average frames per second; 0 when unknown
  std::int64_t bytes = 0;       // size of the file
};

// Limits past which a file is refused rather than read.
constexpr int max_video_side = 8192;
constexpr double max_video_seconds = 4 * 3600;

// Reads the container's header and the first packets; no picture is kept. A file that cannot be
// found or read is permanent (the blob store is at fault, not the sender); one that is not a
// video in a supported container, has no video stream, is larger than max_video_side on a side
// or lasts longer than max_video_seconds is invalid_input. Thread-safe.
Result<VideoInfo> probe_video(const std::string& path);

// A JPEG poster: the first key frame at or after min(1 s, duration / 2), or, when there is none
// (a short clip often has a single key frame), the last one before; scaled so that its longest
// side is at most max_side (never enlarged), pixel aspect ratio and rotation applied, with no
// metadata. Key frames are decoded alone, so the cost does not depend on the length of the file.
// Fails as probe_video does, and with invalid_input when no picture can be decoded. Thread-safe;
// each call decodes on the calling thread only.
Result<std::string> video_poster(const std::string& path, int max_side);

}  // namespace relais::workflow
