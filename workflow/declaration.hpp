// What the agent's declaration means for the consent checks: who is shown, whether they are
// minors, whether consent is claimed (and a parent's for minors), or whether no one can be
// recognised. Read from free French or English lines, so the reading is deliberately simple
// and errs towards asking: a line relais does not understand counts as no consent claimed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/request.hpp"

namespace relais::workflow {

struct PeopleReading {
  bool declared = false;                  // a people or consent line was given
  bool none_identifiable = false;         // "aucune personne identifiable", "personne", "none"...
  std::vector<std::string> names;         // as written, "(mineur)" and such removed
  std::vector<bool> name_is_minor;        // per name: "(mineur)" after it, or minors declared
                                          // and no name marked
  bool minors = false;                    // "mineur", "enfant", "élève", "minor", "child"...
  bool consent_claimed = false;           // "oui", "formulaires signés", "autorisation", "yes"...
  bool parental_consent_claimed = false;  // "parental", "parents", "représentant légal"...
  bool consent_refused = false;           // "non", "refus", "no"
};

PeopleReading read_people(const Declaration& declaration);

// "2026-03-14", "14/03/2026", "14.03.2026", "14/03/26"; nullopt for anything else.
std::optional<std::chrono::year_month_day> parse_event_date(std::string_view text);

// A consent form sent with the material rather than a photo to publish: any PDF, or an image
// whose file name says so ("autorisation", "consentement", "droit-image", "consent", "release").
bool is_consent_form(std::string_view filename, std::string_view content_type);

}  // namespace relais::workflow
