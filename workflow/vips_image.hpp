// The libvips plumbing shared by image_pipeline.cpp and image_analysis.cpp: the library's
// start, owning pointers, the header checks every entry point makes, and the oriented, shrunk
// decode. Internal to the workflow library; not part of its interface.
#pragma once

#include <vips/vips.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/image_pipeline.hpp"

namespace relais::workflow::image_detail {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, Unref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};

// Starts libvips once; false if it could not.
bool start_library();

// libvips keeps the last errors in a process-wide buffer; they are replaced by our sentence.
Error decode_error(std::string message);
Error not_started();

struct Header {
  ImagePtr image;  // header read, no pixel decoded (lazy loading)
  ImageInfo info;
};

// The format must be one of the six, the bytes and pixels within the limits; nothing decoded.
Result<Header> open_header(std::string_view bytes, const ImageLimits& limits);

// Decoded so that its longest side is at most `side` (never enlarged), in 8-bit sRGB on white,
// EXIF orientation applied, every pixel in memory (a damaged or truncated file fails here).
// A JPEG is decoded shrunk by libjpeg when it stays at least `margin` times the target.
Result<ImagePtr> decode_fitting(std::string_view bytes, const ImageInfo& info, int side,
                                double margin = 2.0);

// The DCT pHash of a decoded picture and of its mirror image (width and height left as they are).
Result<void> perceptual_hashes(VipsImage* srgb, ImageHashes& out);

// Transparency put on white (no change to an image without alpha).
Result<void> flatten_on_white(ImagePtr& image);

// The picture's luminance, one sample per pixel, row by row: 8-bit for the measures and the
// face detector, double for the DCT. Fails on an unexpected layout or unreadable pixels.
template <typename Sample>
struct GreySamples {
  int width = 0;
  int height = 0;
  std::vector<Sample> pixels;
};
Result<GreySamples<std::uint8_t>> grey_bytes(VipsImage* srgb);
Result<GreySamples<double>> grey_doubles(VipsImage* srgb);

// An 8-bit sRGB image as JPEG, no metadata kept.
Result<std::string> encode_jpeg(VipsImage* srgb, int quality);

}  // namespace relais::workflow::image_detail
