// What the checks need to know about one photo, from a single decode: its size once upright,
// how sharp and how exposed it is, how many faces it shows, its perceptual hashes and a
// thumbnail. Measures are taken on the picture fitted in kAnalysisSide pixels, roughly the size
// at which the networks show it, so a photo is judged as its readers will see it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "workflow/faces.hpp"
#include "workflow/image_hashes.hpp"
#include "workflow/image_pipeline.hpp"

namespace relais::workflow {

inline constexpr int kAnalysisSide = 1000;

struct Exposure {
  int p05 = 0;  // 5th percentile of the grey levels (0..255)
  int median = 0;
  int p95 = 0;
};

struct ImageAnalysis {
  std::string format;  // as image_pipeline.hpp names it
  int width = 0;       // upright, full size
  int height = 0;
  std::int64_t bytes = 0;
  double sharpness = 0;  // variance of the Laplacian of the grey levels at kAnalysisSide
  Exposure exposure;
  int faces = -1;  // -1 when no detector was given
  ImageHashes hashes;
  std::string thumbnail;  // JPEG, empty unless asked for
};

struct AnalysisOptions {
  const FaceDetector* faces = nullptr;
  int thumbnail_side = 0;  // 0: no thumbnail
};

// invalid_input (with an English sentence) for a file that is not a supported image, is
// damaged or truncated, or is over the limits; nothing is decoded before the header is checked.
Result<ImageAnalysis> analyse_image(std::string_view bytes, const ImageLimits& limits,
                                    const AnalysisOptions& options);

// The measures alone, on grey levels already decoded (the tests and the bench use it).
double laplacian_variance(const GreyImage& image);
Exposure exposure_of(const GreyImage& image);

}  // namespace relais::workflow
