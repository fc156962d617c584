// See vips_image.hpp. libvips failures become invalid_input sentences (its own error text is
// dropped); its warnings about damaged files go to the debug log only.
#include "workflow/vips_image.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <utility>

namespace relais::workflow::image_detail {
namespace {
std::shared_ptr<spdlog::logger> log() {
  static auto logger = [] {
    auto l = spdlog::get("images");
    return l ? l : spdlog::default_logger()->clone("images");
  }();
  return logger;
}

// libvips warns on stderr about every damaged file it meets ("Premature end of JPEG file"):
// expected with untrusted input, so kept for debugging only. The text names no person.
void vips_log(const gchar*, GLogLevelFlags, const gchar* message, gpointer) {
  log()->debug("image library warning message=\"{}\"", message ? message : "");
}

bool library_started = false;
std::once_flag library_once;

const char* format_of_loader(std::string_view loader) {
  static constexpr std::array<std::pair<std::string_view, const char*>, 7> allowed{{
      {"VipsForeignLoadJpegBuffer", "jpeg"},
      {"VipsForeignLoadPngBuffer", "png"},
      {"VipsForeignLoadWebpBuffer", "webp"},
      {"VipsForeignLoadHeifBuffer", "heif"},
      {"VipsForeignLoadNsgifBuffer", "gif"},
      {"VipsForeignLoadGifBuffer", "gif"},  // the giflib loader of other builds
      {"VipsForeignLoadTiffBuffer", "tiff"},
  }};
  for (const auto& [name, format] : allowed)
    if (name == loader)
      return format;
  return nullptr;
}

}  // namespace

bool start_library() {
  std::call_once(library_once, [] {
    if (vips_init("relais") != 0) {
      vips_error_clear();
      return;
    }
    // Loaders marked untrusted (ImageMagick, PDF, SVG, JPEG 2000, Matlab, FITS...) never see
    // the bytes, even through a call that would pick its loader itself.
    vips_block_untrusted_set(TRUE);
    g_log_set_handler("VIPS",
                      static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                                  G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG),
                      vips_log, nullptr);
    // Every picture is decoded once: a cache would only keep decoded pixels alive.
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    // One thread per pipeline: with several, libvips 8.14 can lose a loader's error (the
    // failed tile is blacked out and the pipeline succeeds), so a truncated file would hash as
    // a partly grey picture. The daemon's worker pool gives the parallelism.
    vips_concurrency_set(1);
    library_started = true;
  });
  return library_started;
}

// libvips keeps the last errors in a process-wide buffer; they are replaced by our sentence.
Error decode_error(std::string message) {
  vips_error_clear();
  return invalid_input(std::move(message));
}

Error not_started() {
  return permanent("the image library could not start");
}

Result<Header> open_header(std::string_view bytes, const ImageLimits& limits) {
  if (static_cast<std::int64_t>(bytes.size()) > limits.max_bytes)
    return invalid_input(fmt::format("the image is {} bytes, more than the {} allowed",
                                     bytes.size(), limits.max_bytes));
  if (bytes.empty())
    return invalid_input("the file is empty");
  const char* loader = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  const char* format = loader ? format_of_loader(loader) : nullptr;
  if (format == nullptr)
    return decode_error(
        "the file is not an image in a supported format (JPEG, PNG, WebP, HEIF, GIF or TIFF)");
  VipsImage* raw = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                              VIPS_ACCESS_SEQUENTIAL, nullptr);
  if (raw == nullptr)
    return decode_error(fmt::format("the {} image could not be read (damaged file)", format));
  Header h{ImagePtr(raw), {raw->Xsize, raw->Ysize, format}};
  const auto pixels = static_cast<std::int64_t>(raw->Xsize) * raw->Ysize;
  if (pixels > limits.max_pixels)
    return invalid_input(fmt::format("the image is {} x {} pixels, more than the {} allowed",
                                     raw->Xsize, raw->Ysize, limits.max_pixels));
  return h;
}

// A JPEG is decoded at 1/2, 1/4 or 1/8 of its size by libjpeg itself (shrink-on-load), keeping
// `margin` times the target so that the final Lanczos reduction still has pixels to filter (2, as
// vips_thumbnail does, for pictures people look at). The pipeline is our own rather than
// vips_thumbnail_buffer because the latter's tile cache, in 8.14, turns a truncated file into a
// grey-filled picture and reports success.
Result<void> flatten_on_white(ImagePtr& image) {
  if (!vips_image_hasalpha(image.get()))
    return {};
  VipsImage* flat = nullptr;
  VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
  const int rc = vips_flatten(image.get(), &flat, "background", white, nullptr);
  vips_area_unref(VIPS_AREA(white));
  if (rc != 0)
    return decode_error("the image's transparency could not be flattened");
  image.reset(flat);
  return {};
}

Result<ImagePtr> decode_fitting(std::string_view bytes, const ImageInfo& info, int side,
                                double margin) {
  const double factor = static_cast<double>(std::max(info.width, info.height)) / side;
  int shrink = 1;
  if (info.format == "jpeg")
    for (int s : {8, 4, 2})
      if (factor >= margin * s) {
        shrink = s;
        break;
      }
  VipsImage* raw =
      shrink > 1 ? vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                              VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                              VIPS_FAIL_ON_TRUNCATED, "shrink", shrink, nullptr)
                 : vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                              VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                              VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (raw == nullptr)
    return decode_error("the image could not be read (damaged file)");
  ImagePtr image(raw);

  VipsImage* srgb = nullptr;
  if (vips_colourspace(image.get(), &srgb, VIPS_INTERPRETATION_sRGB, nullptr) != 0)
    return decode_error("the image's colours could not be converted");
  image.reset(srgb);
  if (auto flat = flatten_on_white(image); !flat)
    return flat.error();
  const int longest = std::max(image->Xsize, image->Ysize);
  if (longest > side) {
    VipsImage* small = nullptr;
    if (vips_resize(image.get(), &small, static_cast<double>(side) / longest, nullptr) != 0)
      return decode_error("the image could not be resized");
    image.reset(small);
  }
  // Every pixel is decoded here: a damaged or truncated file fails now, not later.
  VipsImage* decoded = vips_image_copy_memory(image.get());
  if (decoded == nullptr)
    return decode_error("the image could not be decoded (damaged or truncated file)");
  image.reset(decoded);
  VipsImage* upright = nullptr;
  if (vips_autorot(image.get(), &upright, nullptr) != 0)
    return decode_error("the image could not be turned upright");
  image.reset(upright);
  return image;
}

namespace {

template <typename Sample>
Result<GreySamples<Sample>> grey_samples(VipsImage* srgb, VipsBandFormat format) {
  VipsImage* grey = nullptr;
  if (vips_colourspace(srgb, &grey, VIPS_INTERPRETATION_B_W, nullptr) != 0)
    return decode_error("the image's colours could not be converted");
  ImagePtr grey_ptr(grey);
  VipsImage* cast = nullptr;
  if (vips_cast(grey, &cast, format, nullptr) != 0)
    return decode_error("the image could not be decoded (damaged or truncated file)");
  ImagePtr cast_ptr(cast);
  std::size_t size = 0;
  std::unique_ptr<void, GFree> memory(vips_image_write_to_memory(cast, &size));
  if (!memory)
    return decode_error("the image could not be decoded (damaged or truncated file)");
  GreySamples<Sample> out{cast->Xsize, cast->Ysize, {}};
  const std::size_t count = static_cast<std::size_t>(out.width) * out.height;
  if (cast->Bands != 1 || size != count * sizeof(Sample))
    return decode_error("the image could not be decoded (unexpected pixel layout)");
  out.pixels.resize(count);
  std::memcpy(out.pixels.data(), memory.get(), size);
  return out;
}

}  // namespace

Result<GreySamples<std::uint8_t>> grey_bytes(VipsImage* srgb) {
  return grey_samples<std::uint8_t>(srgb, VIPS_FORMAT_UCHAR);
}

Result<GreySamples<double>> grey_doubles(VipsImage* srgb) {
  return grey_samples<double>(srgb, VIPS_FORMAT_DOUBLE);
}

Result<std::string> encode_jpeg(VipsImage* srgb, int quality) {
  void* out = nullptr;
  std::size_t size = 0;
  if (vips_jpegsave_buffer(srgb, &out, &size, "Q", quality, "optimize_coding", TRUE, "strip", TRUE,
                           nullptr) != 0)
    return decode_error("the image could not be encoded as JPEG");
  std::unique_ptr<void, GFree> owned(out);
  return std::string(static_cast<const char*>(out), size);
}

}  // namespace relais::workflow::image_detail
