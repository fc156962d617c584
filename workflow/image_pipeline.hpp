// Decoding untrusted image bytes with libvips: a header probe that refuses decompression bombs
// before any pixel is decoded, the perceptual hashes of a picture, and JPEG thumbnails.
// Only JPEG, PNG, WebP, HEIF, GIF and TIFF are read; anything else, a damaged or truncated
// file, or one over the limits is invalid_input with an English sentence saying why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "workflow/image_hashes.hpp"
#include "workflow/result.hpp"

namespace relais::workflow {

struct ImageLimits {
  std::int64_t max_pixels = 100'000'000;  // width x height of the (first) picture
  std::int64_t max_bytes = 64 << 20;      // size of the encoded file
};

// Starts libvips once per process (thread-safe, idempotent): untrusted loaders (ImageMagick,
// PDF, SVG, Matlab...) blocked, no operation cache, one worker thread per pipeline (the daemon's
// pool gives the parallelism). The functions below call it themselves; calling it at start-up
// only moves the cost there. Throws std::runtime_error if libvips cannot start.
void init_image_library();

struct ImageInfo {
  int width = 0;  // as stored, before EXIF orientation
  int height = 0;
  std::string format;  // "jpeg", "png", "webp", "heif", "gif" or "tiff"
};

// Reads only the header: the format must be one of the six, the size within the limits.
Result<ImageInfo> probe_image(std::string_view bytes, const ImageLimits& limits);

// Decodes a small version of the picture (shrink-on-load, EXIF orientation applied) and returns
// the DCT pHash of it and of its mirror image, with the picture's size once oriented.
Result<ImageHashes> hash_image(std::string_view bytes, const ImageLimits& limits);

// A JPEG whose longest side is at most max_side (never enlarged), oriented, transparency put on
// white, with no metadata kept (no EXIF position, no camera, no ICC profile).
Result<std::string> make_thumbnail(std::string_view bytes, int max_side, const ImageLimits& limits);

}  // namespace relais::workflow
