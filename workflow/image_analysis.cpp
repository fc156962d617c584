#include "workflow/image_analysis.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cstring>

#include "workflow/vips_image.hpp"

namespace relais::workflow {
namespace {

using namespace image_detail;

// The smallest face counted, at kAnalysisSide: about 2% of the long side, a face in the third
// row of a group photo; smaller ones are not identifiable on a phone screen either.
constexpr int kMinFaceSide = 20;

Result<GreyImage> grey_of(VipsImage* srgb) {
  auto grey = grey_bytes(srgb);
  if (!grey)
    return grey.error();
  return GreyImage{grey->width, grey->height, std::move(grey->pixels)};
}

}  // namespace

double laplacian_variance(const GreyImage& image) {
  if (image.width < 3 || image.height < 3)
    return 0;
  const cv::Mat view(image.height, image.width, CV_8UC1,
                     const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat laplacian;
  cv::Laplacian(view, laplacian, CV_16S);
  cv::Scalar mean;
  cv::Scalar deviation;
  cv::meanStdDev(laplacian, mean, deviation);
  return deviation[0] * deviation[0];
}

Exposure exposure_of(const GreyImage& image) {
  std::array<std::int64_t, 256> histogram{};
  for (auto v : image.pixels)
    ++histogram[v];
  const auto total = static_cast<std::int64_t>(image.pixels.size());
  auto percentile = [&](int percent) {
    const std::int64_t rank = total * percent / 100;
    std::int64_t seen = 0;
    for (int level = 0; level < 256; ++level) {
      seen += histogram[static_cast<std::size_t>(level)];
      if (seen > rank)
        return level;
    }
    return 255;
  };
  if (total == 0)
    return {};
  return {percentile(5), percentile(50), percentile(95)};
}

Result<ImageAnalysis> analyse_image(std::string_view bytes, const ImageLimits& limits,
                                    const AnalysisOptions& options) {
  if (!start_library())
    return not_started();
  auto header = open_header(bytes, limits);
  if (!header)
    return header.error();
  ImageAnalysis out;
  out.format = header->info.format;
  out.bytes = static_cast<std::int64_t>(bytes.size());
  const bool swap = vips_image_get_orientation_swap(header->image.get());
  out.width = swap ? header->info.height : header->info.width;
  out.height = swap ? header->info.width : header->info.height;
  header->image.reset();

  // The measures need no margin: libjpeg's DCT scaling is itself a clean area reduction, and a
  // 12-megapixel photo decoded at a quarter of its size costs a fifth of a full decode.
  auto srgb = decode_fitting(bytes, header->info, kAnalysisSide, 1.0);
  if (!srgb)
    return srgb.error();
  auto grey = grey_of(srgb->get());
  if (!grey)
    return grey.error();
  out.sharpness = laplacian_variance(*grey);
  out.exposure = exposure_of(*grey);
  if (options.faces)
    out.faces = static_cast<int>(options.faces->detect(*grey, kMinFaceSide).size());

  out.hashes.width = out.width;
  out.hashes.height = out.height;
  if (auto hashed = perceptual_hashes(srgb->get(), out.hashes); !hashed)
    return hashed.error();

  if (options.thumbnail_side > 0) {
    ImagePtr small;
    VipsImage* source = srgb->get();
    const int longest = std::max(source->Xsize, source->Ysize);
    if (longest > options.thumbnail_side) {
      VipsImage* resized = nullptr;
      if (vips_resize(source, &resized, static_cast<double>(options.thumbnail_side) / longest,
                      nullptr) != 0)
        return decode_error("the image could not be resized");
      small.reset(resized);
      source = resized;
    }
    auto jpeg = encode_jpeg(source, 85);
    if (!jpeg)
      return jpeg.error();
    out.thumbnail = std::move(*jpeg);
  }
  return out;
}

}  // namespace relais::workflow
