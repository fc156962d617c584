// The checks stage: pure functions from what was submitted (text, fields, media facts) and the
// policy to findings, each with a sentence the agent understands. This first version checks
// what needs no image decoding: a context text, the author credit, usable attachments. The
// image, consent and discretion checks (issue 4) join here.
#pragma once

#include <string>
#include <vector>

#include "workflow/request.hpp"

namespace relais::workflow {

struct MediaFacts {
  std::string filename;
  std::string content_type;
  std::int64_t size = 0;
  std::string blocked_by = {};  // reference of the takedown case that bars this file, if any
};

struct CheckInput {
  std::string text;
  std::string author;
  std::vector<MediaFacts> media;
};

std::vector<Finding> run_checks(const CheckInput& input);

// Whether relais can publish a file of this type (images and videos the SPEC lists).
bool is_publishable_media(std::string_view content_type);

}  // namespace relais::workflow
