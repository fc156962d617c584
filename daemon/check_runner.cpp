#include "daemon/check_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "workflow/declaration.hpp"
#include "workflow/image_analysis.hpp"
#include "workflow/lexicon.hpp"
#include "workflow/video_probe.hpp"

namespace relais::daemon {
namespace {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

}  // namespace

Result<CheckSetup> load_check_setup(const Config& config) {
  CheckSetup setup;
  auto& p = setup.policy;
  p.min_short_side = config.checks.min_short_side;
  p.blur_threshold = config.checks.blur_threshold;
  p.late_days = config.checks.late_days;
  for (const auto& text : config.checks.election_periods) {
    auto period = workflow::parse_period(text);
    if (!period)
      return invalid_input(fmt::format("checks.election_periods: \"{}\" is not a period", text));
    p.election_periods.push_back(*period);
  }
  auto lexicons = workflow::load_lexicons(config.general.lexicons_dir);
  if (!lexicons)
    return invalid_input("general.lexicons_dir: " + lexicons.error().message);
  p.lexicons = std::move(*lexicons);
  auto faces = workflow::FaceDetector::open(config.checks.face_cascade);
  if (!faces)
    return invalid_input("checks.face_cascade: " + faces.error().message);
  setup.faces = std::move(*faces);
  setup.limits = {config.images.max_pixels, config.mail.max_message_bytes};
  return setup;
}

void measure_files(std::vector<FileToMeasure>& files, const CheckSetup& setup) {
  const workflow::AnalysisOptions options{setup.faces ? &*setup.faces : nullptr, 0};
  for (auto& f : files) {
    auto& m = f.facts;
    if (workflow::is_consent_form(m.filename, m.content_type) ||
        !workflow::is_publishable_media(m.content_type))
      continue;
    if (m.content_type.starts_with("video/")) {
      auto video = workflow::probe_video(f.path.string());
      if (video)
        m.video = std::move(*video);
      else
        m.unreadable = video.error().message;
      continue;
    }
    auto bytes = read_file(f.path);
    if (!bytes) {
      m.unreadable = "the stored file could not be read";
      spdlog::error("checks cannot read a stored file sha256={}", f.path.filename().string());
      continue;
    }
    auto analysis = workflow::analyse_image(*bytes, setup.limits, options);
    if (analysis)
      m.image = std::move(*analysis);
    else
      m.unreadable = analysis.error().message;
  }
}

}  // namespace relais::daemon
