// Consent forms sent with a request, entered in the consent registry: each person the
// declaration names becomes (or is found as) a person of the registry, linked to the request,
// with a consent for that request whose evidence is the form. A takedown or a revocation by
// that person then finds the request, and the form is kept as long as the consent is.
#pragma once

#include <string>
#include <vector>

#include "workflow/store.hpp"

namespace relais::workflow {

struct ConsentFormsRecorded {
  int persons_added = 0;
  int links_added = 0;
  int consents_added = 0;
};

// Records what the forms attached to `r` prove, when the checks accepted them: the declaration
// names people and claims their consent, a form is attached, and no consent finding blocks.
// A form whose file name holds a word of a person's name is that person's; forms that name
// nobody are everyone's; a person with neither gets no consent (the checks asked for one). Running it again for the same request adds nothing. Runs inside the caller's
// transaction; the store's consent audit rows say who did it (`actor`).
ConsentFormsRecorded record_consent_forms(Store& store, const Request& r,
                                          const std::vector<MediaRow>& media,
                                          const std::vector<Finding>& findings, TimePoint at,
                                          const std::string& actor);

}  // namespace relais::workflow
