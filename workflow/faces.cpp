#include "workflow/faces.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <fmt/format.h>

#include <map>
#include <memory>

namespace relais::workflow {
namespace {

// One classifier per thread and cascade file.
cv::CascadeClassifier* classifier_for(const std::string& path) {
  thread_local std::map<std::string, std::unique_ptr<cv::CascadeClassifier>> loaded;
  auto& slot = loaded[path];
  if (!slot) {
    auto c = std::make_unique<cv::CascadeClassifier>();
    try {
      if (!c->load(path))
        return nullptr;
    } catch (const cv::Exception&) {
      return nullptr;
    }
    slot = std::move(c);
  }
  return slot.get();
}

}  // namespace

Result<FaceDetector> FaceDetector::open(std::string cascade_path) {
  if (classifier_for(cascade_path) == nullptr)
    return invalid_input(fmt::format("the face cascade {} could not be read", cascade_path));
  return FaceDetector(std::move(cascade_path));
}

std::vector<FaceBox> FaceDetector::detect(const GreyImage& image, int min_side) const {
  std::vector<FaceBox> out;
  auto* classifier = classifier_for(path_);
  if (classifier == nullptr || image.width <= 0 || image.height <= 0)
    return out;
  // The Mat only views our pixels; equalising the histogram makes the cascade less sensitive
  // to under- or over-exposed photos, which are common at indoor events.
  const cv::Mat view(image.height, image.width, CV_8UC1,
                     const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat equalised;
  cv::equalizeHist(view, equalised);
  std::vector<cv::Rect> found;
  classifier->detectMultiScale(equalised, found, 1.2, 3, 0, cv::Size(min_side, min_side));
  out.reserve(found.size());
  for (const auto& r : found)
    out.push_back({r.x, r.y, r.width, r.height});
  return out;
}

}  // namespace relais::workflow
