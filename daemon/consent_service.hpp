// Recording and revoking consents, shared by `relaisctl consent` and the API: the same checks
// with the same sentences (naming the caller's own field names), the same person lookup, the
// same audit rows. Dates are local calendar days in general.timezone (set_local_zone first).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/config/config.hpp"
#include "workflow/case_desk.hpp"
#include "workflow/consent.hpp"
#include "workflow/store.hpp"

namespace relais::daemon {

// The longest note or revocation reason, in bytes.
inline constexpr std::size_t kConsentTextMax = 5000;

// What a caller calls each field, for its error sentences ("--name" or "name").
struct ConsentFieldNames {
  std::string name, email, request, from, until, note;
};

// A consent to record as typed; check_consent_input normalises it.
struct ConsentInput {
  std::string name;
  std::string email;        // optional
  std::string request;      // numeric id or reference; or else from and until
  std::string from, until;  // YYYY-MM-DD, local, until inclusive
  bool minor = false;
  std::string note;
  std::string evidence_sha256;  // already in the media blob store, or empty
  std::string evidence_name;    // display only
};

// Checked and normalised input: trimmed name, lowercase address, the period as instants.
struct CheckedConsent {
  ConsentInput input;
  std::optional<workflow::TimePoint> from, until;  // until: the midnight after the last day
};

// A sentence for the person who typed it, or the checked input. Touches no store.
std::variant<CheckedConsent, std::string> check_consent_input(const ConsentInput& in,
                                                              const ConsentFieldNames& names);

struct RecordedConsent {
  workflow::ConsentRow consent;
  workflow::PersonRow person;
  std::string request_reference;  // scope request
  bool new_person = false;
};

// In the caller's transaction: finds the person by address, else by name (any case; several
// of that name is a refusal), records a new one otherwise, records the consent, and links the
// person to the request it covers. A refusal sentence changes nothing.
std::variant<RecordedConsent, std::string> record_consent(
    workflow::Store& store, const CheckedConsent& c, const ConsentFieldNames& names,
    const std::string& actor, const std::string& source, workflow::TimePoint now);

struct RevokedConsent {
  std::optional<workflow::TakedownCase> takedown;  // opened when something live was covered
  std::vector<std::string> requests;               // references, each once
};

// In the caller's transaction: revokes consent `id` through the takedown desk (the person's
// live publications are taken down), with the reason as a note. Refusal sentence otherwise.
std::variant<RevokedConsent, std::string> revoke_consent(
    workflow::Store& store, workflow::CaseDesk& desk, std::int64_t id, const std::string& reason,
    const std::string& actor, const std::string& source, workflow::TimePoint now);

// {"consent", "revoked_at", "case", "case_state", "requests"}: relaisctl --json and the API.
boost::json::object revoked_json(std::int64_t id, workflow::TimePoint at,
                                 const RevokedConsent& revoked);

// active, not yet valid, expired or revoked.
std::string consent_status(const workflow::ConsentRow& c, workflow::TimePoint now);

// The JSON shape of a consent in `relaisctl --json` and the API.
boost::json::object consent_json(const workflow::ConsentRow& c,
                                 const std::optional<workflow::PersonRow>& person,
                                 const std::string& request_ref, workflow::TimePoint now);

// The reference of a request id ("" for none).
std::string request_reference(workflow::Store& store,
                              const std::optional<std::int64_t>& request_id);

}  // namespace relais::daemon
