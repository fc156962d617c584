// libvips behind image_pipeline.hpp: the loader is checked against six formats and the size
// against the limits from the header alone (vips_image.cpp), then pixels are decoded
// shrunk-on-load.
#include "workflow/image_pipeline.hpp"

#include <vips/vips.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "workflow/perceptual_hash.hpp"
#include "workflow/vips_image.hpp"

namespace relais::workflow {

namespace {

using namespace image_detail;

// The picture is decoded to fit this box before the exact resampling to 32 x 32: large enough
// that the area resampling averages 16 pixels into each cell, small enough that a large JPEG
// is decoded at 1/8 of its size by shrink-on-load.
constexpr int hash_decode_side = 128;

// The grey levels of a decoded picture, computed now (this is where a damaged file fails).
Result<GreyPlane> grey_plane(VipsImage* srgb) {
  auto grey = grey_doubles(srgb);
  if (!grey)
    return grey.error();
  return GreyPlane{grey->width, grey->height, std::move(grey->pixels)};
}

}  // namespace

namespace image_detail {

Result<void> perceptual_hashes(VipsImage* srgb, ImageHashes& out) {
  ImagePtr small;
  const int longest = std::max(srgb->Xsize, srgb->Ysize);
  if (longest > hash_decode_side) {
    VipsImage* resized = nullptr;
    if (vips_resize(srgb, &resized, static_cast<double>(hash_decode_side) / longest, nullptr) != 0)
      return decode_error("the image could not be resized");
    small.reset(resized);
  }
  auto grey = grey_plane(small ? small.get() : srgb);
  if (!grey)
    return grey.error();
  const GreyPlane cells = resample_area(*grey, phash_side, phash_side);
  out.phash = phash_of_plane(cells);
  out.phash_mirror = phash_of_plane(mirror(cells));
  return {};
}

}  // namespace image_detail

void init_image_library() {
  if (!start_library())
    throw std::runtime_error("libvips could not start");
}

Result<ImageInfo> probe_image(std::string_view bytes, const ImageLimits& limits) {
  if (!start_library())
    return not_started();
  auto header = open_header(bytes, limits);
  if (!header)
    return header.error();
  return std::move(header->info);
}

Result<ImageHashes> hash_image(std::string_view bytes, const ImageLimits& limits) {
  if (!start_library())
    return not_started();
  auto header = open_header(bytes, limits);
  if (!header)
    return header.error();
  ImageHashes hashes;
  const bool swap = vips_image_get_orientation_swap(header->image.get());
  hashes.width = swap ? header->info.height : header->info.width;
  hashes.height = swap ? header->info.width : header->info.height;
  header->image.reset();  // the file is opened again below, to be decoded shrunk

  auto srgb = decode_fitting(bytes, header->info, hash_decode_side);
  if (!srgb)
    return srgb.error();
  if (auto done = perceptual_hashes(srgb->get(), hashes); !done)
    return done.error();
  return hashes;
}

Result<std::string> make_thumbnail(std::string_view bytes, int max_side,
                                   const ImageLimits& limits) {
  if (max_side <= 0)
    return invalid_input("the thumbnail size must be positive");
  if (!start_library())
    return not_started();
  auto header = open_header(bytes, limits);
  if (!header)
    return header.error();
  header->image.reset();

  auto srgb = decode_fitting(bytes, header->info, max_side);
  if (!srgb)
    return srgb.error();
  return encode_jpeg(srgb->get(), 85);
}

}  // namespace relais::workflow
