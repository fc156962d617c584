// Matching a takedown request to publications: post URLs and references read from the
// requester's text, attached photos compared by SHA-256 and perceptual hash, and persons of
// the consent registry named in the text. Each candidate says how it was found and whether
// that is certain (URL, reference, same or near-identical photo) or needs the referent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "workflow/case_desk.hpp"

namespace relais::workflow {

// http(s) URLs in free text, without the punctuation that usually follows them.
std::vector<std::string> urls_in(std::string_view text);
// Request references ("PUB-2026-0042", also the site's slug "pub-2026-0042"), upper-cased,
// each once, in order of appearance.
std::vector<std::string> references_in(std::string_view text);
// Scheme and host lower-cased, default port and a trailing slash dropped.
std::string normalize_url(std::string_view url);

struct MatchSettings {
  int match_distance = 10;     // certain: the same photo
  int possible_distance = 18;  // uncertain: shown to the referent
  int max_attachments = 20;
};

// Candidates for one case, at most one per (request, basis, media), certain ones first.
std::vector<CaseMatch> find_matches(Store& store, const CaseDraft& draft,
                                    const MatchSettings& settings);

}  // namespace relais::workflow
