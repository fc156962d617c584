// The daemon's side of the checks stage: what the checks need from the configuration (word
// lists, face cascade, thresholds, pre-election periods), loaded once at start-up, and the
// measuring of each file of a request (decode, faces, video probe), run on the worker pool.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "workflow/checks.hpp"
#include "workflow/faces.hpp"
#include "workflow/result.hpp"

namespace relais::daemon {

struct CheckSetup {
  workflow::CheckPolicy policy;
  std::optional<workflow::FaceDetector> faces;
  workflow::ImageLimits limits;
};

// Fails with a sentence naming the key at fault (a word list that does not parse, a face
// cascade that cannot be read).
Result<CheckSetup> load_check_setup(const Config& config);

// A file of the request and where its bytes are.
struct FileToMeasure {
  workflow::MediaFacts facts;
  std::filesystem::path path;
};

// Fills each file's image or video facts, or says why it could not be read. Blocking: call it
// on the worker pool.
void measure_files(std::vector<FileToMeasure>& files, const CheckSetup& setup);

}  // namespace relais::daemon
