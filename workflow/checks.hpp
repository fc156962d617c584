// The checks stage: pure functions from what was submitted (text, declaration, facts measured
// on each file) and the policy to findings, each a French sentence that tells the agent what to
// fix. Measuring the files (decoding, faces, video probe) is the caller's job, on the worker
// pool; nothing here decodes, reads a file or looks at a clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "workflow/event.hpp"
#include "workflow/image_analysis.hpp"
#include "workflow/lexicon.hpp"
#include "workflow/policy.hpp"
#include "workflow/request.hpp"
#include "workflow/video_probe.hpp"

namespace relais::workflow {

struct MediaFacts {
  std::string filename;
  std::string content_type;
  std::int64_t size = 0;
  std::string blocked_by = {};  // reference of the takedown case that bars this file, if any
  std::optional<ImageAnalysis> image = {};  // an image that decoded
  std::optional<VideoInfo> video = {};      // a video that could be read
  std::string unreadable = {};              // why a photo or video could not be read
};

struct CheckPolicy {
  int min_short_side = 1080;
  double blur_threshold = 30;  // variance of the Laplacian at kAnalysisSide
  int late_days = 30;          // material sent this long after the event is late
  std::vector<ElectionPeriod> election_periods = {};
  std::vector<Lexicon> lexicons = {};
};

struct CheckInput {
  std::string text;
  std::string author;
  Declaration declaration = {};
  std::vector<MediaFacts> media = {};
  std::vector<std::string> channel_types = {};    // of the channels the request would go to
  std::vector<std::string> consented_names = {};  // named people with a valid registry consent
  std::vector<FindingOverride> overrides = {};
  TimePoint submitted_at = {};
  TimePoint now = {};
};

std::vector<Finding> run_checks(const CheckInput& input, const CheckPolicy& policy = {});

// Whether relais can publish a file of this type (images and videos the SPEC lists).
bool is_publishable_media(std::string_view content_type);

// "2026-02-16/2026-03-22" (first and last day, first <= last); nullopt otherwise.
std::optional<ElectionPeriod> parse_period(std::string_view text);

// Whether `at` falls in one of the periods.
bool in_election_period(const std::vector<ElectionPeriod>& periods, TimePoint at);

// Whether the referent may lift a finding with this code (override_finding); a photo barred
// by a takedown, consent findings and the pre-election period may not be.
bool overridable(std::string_view code);

// Whether the referent may lift `code` on `r` now: the request has such a finding, and it may
// be lifted.
bool can_lift(const Request& r, std::string_view code);

// Whether the agent may contest `code` on `r`: a blocking finding the referent may lift and
// has not lifted already.
bool contestable(const Request& r, std::string_view code);

// Whether approving `r` by `e` takes the referent's explicit confirmation of neutrality: the
// request was checked in a pre-election period, or is approved or to be published in one.
bool needs_election_confirmation(const Request& r, const Event& e, const Policy& p);

// Whether an override was made by the agent (a contest, in the completion form) rather than by
// the referent: the finding then stays before the referent as a warning.
bool is_contest(const FindingOverride& o);

// Marks `f` as lifted by the referent: information, its sentence followed by the reason (a
// later reason replaces an earlier one).
void lift(Finding& f, std::string_view reason);

}  // namespace relais::workflow
