// Counting faces in a picture with an OpenCV cascade that Debian's opencv-data installs (no
// model is ever downloaded). The detector is cheap to copy: each worker thread loads its own
// classifier once, because OpenCV's CascadeClassifier may not be shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workflow/result.hpp"

namespace relais::workflow {

// 8-bit grey levels, row by row, already turned upright.
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
};

struct FaceBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

class FaceDetector {
 public:
  // The default cascade: LBP "improved" frontal faces, fast enough for a 12-megapixel photo.
  static constexpr const char* kDefaultCascade =
      "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml";

  // Loads the cascade once to check it; invalid_input with the path if it cannot be read.
  static Result<FaceDetector> open(std::string cascade_path);

  // Faces at least min_side pixels wide in `image` (the caller picks the scale).
  std::vector<FaceBox> detect(const GreyImage& image, int min_side) const;

  const std::string& cascade_path() const { return path_; }

 private:
  explicit FaceDetector(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace relais::workflow
