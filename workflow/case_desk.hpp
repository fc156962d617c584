// The takedown desk: opens a case from a request to remove a photo (mail, public form,
// relaisctl, consent revocation), matches it to publications, removes what is certainly
// matched at once, sends the rest to the referent, and follows each case to `closed`. Every
// call runs inside the caller's transaction (the writer's), writes the case, its matches, its
// audit rows, its timers and its mails (outbox rows) together, and never does I/O itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "workflow/case_state.hpp"
#include "workflow/engine.hpp"
#include "workflow/image_hashes.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {

// A file the requester sent, already in the media blob store.
struct CaseEvidence {
  std::string sha256;
  std::string content_type;
  std::string filename;
  std::int64_t size = 0;
  std::optional<ImageHashes> hashes;  // when it is a decodable image
};

struct CaseDraft {
  std::string origin;  // mail | form | cli | consent
  std::string requester;
  std::string requester_name;
  std::string subject;
  std::string text;  // everything the requester wrote (URLs and references are read from it)
  std::string language = "fr";
  std::string message_id;       // mail: for dedup-free threading of the answers
  bool email_confirmed = true;  // form: false until the confirmation link is followed
  std::vector<CaseEvidence> evidence;
  std::string actor;   // "requester:a@b", "referent:r@b", "cli:alice", "consent:12"
  std::string source;  // "mail:<id>", "form:<ip>", "cli", "consent:<id>"
  // cli / consent: requests named directly (certain matches, basis "reference"/"consent").
  std::vector<std::int64_t> requests;
};

struct CaseSettings {
  bool automatic = true;             // takedown.automatic
  int deadline_days = 30;            // takedown.deadline_days
  int reminder_days = 7;             // takedown.reminder_days
  int match_distance = 10;           // takedown.match_distance
  int max_attachments = 20;          // takedown.max_attachments
  std::chrono::hours link_ttl{168};  // workflow.link_ttl_hours
};

struct Opened {
  TakedownCase takedown;
  std::vector<CaseMatch> matches;
  bool needs_email_confirmation = false;  // form, uncertain: a link was mailed to the requester
};

class CaseDesk {
 public:
  CaseDesk(Engine& engine, CaseSettings settings)
      : engine_(engine), settings_(std::move(settings)) {}

  // Creates the case (state `received`), matches it and acts: certain matches are removed
  // at once when `automatic` (-> matched); an uncertain or empty match goes to the referent
  // (-> matched awaiting confirmation, or unmatched) unless the address of a form requester
  // is still unconfirmed, in which case the case waits in `received` for that link.
  Opened open(Store& store, const CaseDraft& draft, TimePoint at);

  // The requester followed the confirmation link (token_hash: SHA-256 hex of the raw token).
  // Refusal text when the link is unknown, used or expired.
  std::variant<TakedownCase, std::string> confirm_email(Store& store, std::string_view token_hash,
                                                        TimePoint at);

  // The referent confirmed one candidate (remove it) or declared that nothing matches.
  std::variant<TakedownCase, std::string> confirm_removal(Store& store, std::string_view token_hash,
                                                          const std::string& actor, TimePoint at);
  std::variant<TakedownCase, std::string> declare_unmatched(Store& store,
                                                            std::string_view token_hash,
                                                            const std::string& actor, TimePoint at);

  // Called after a request's channel was removed (or the request changed state): moves
  // every case waiting on it to `executed` once all its requests are removed everywhere.
  void request_progressed(Store& store, std::int64_t request_id, TimePoint at);

  // The requester wrote again in the thread of a case (more text, another photo): the
  // evidence joins the case, what the new message names is matched, a certain match is removed
  // as at opening (automatic) and the referent is told, except for a form case whose address
  // is still unconfirmed (a mail's From proves nothing; the link does). nullopt for a closed
  // case (the caller opens a new one).
  std::optional<TakedownCase> requester_wrote(Store& store, std::int64_t case_id,
                                              const CaseDraft& more, TimePoint at);

  // A case timer fired (reminders, deadline, closing).
  void timer_fired(Store& store, const CaseTimerRow& timer, TimePoint at);

  // The mail that answers the requester went out: -> answered.
  void answer_sent(Store& store, std::int64_t case_id, TimePoint at);

  // Revokes a consent record; every publication of that person that is live or scheduled is
  // taken down through a case (origin "consent"). Returns the case, if one was opened.
  std::variant<std::optional<TakedownCase>, std::string> revoke_consent(Store& store,
                                                                        std::int64_t consent_id,
                                                                        const std::string& actor,
                                                                        TimePoint at);

  // A link for a case mail (purpose: confirm_email, confirm_removal, declare_unmatched):
  // stores the token's hash and returns the raw token for the URL. random_bytes: 32 bytes.
  // expires_at: the settings' link lifetime from `now` unless given (the dashboard's are short).
  std::string issue_link(Store& store, const TakedownCase& c, std::optional<std::int64_t> match_id,
                         std::string_view purpose, std::string_view recipient,
                         std::string_view random_bytes, TimePoint now,
                         std::optional<TimePoint> expires_at = std::nullopt) const;

  // Why a case link cannot be used now, or nullopt (for showing the confirmation page).
  std::optional<std::string> link_problem(Store& store, std::string_view token_hash,
                                          std::string_view purpose, TimePoint now) const;

  const CaseSettings& settings() const { return settings_; }

 private:
  bool move(Store& store, TakedownCase& c, CaseState to, std::string_view event,
            const std::string& actor, const std::string& source, const std::string& detail,
            TimePoint at);
  void note(Store& store, TakedownCase& c, std::string_view event, const std::string& actor,
            const std::string& source, const std::string& detail, TimePoint at);
  void mail(Store& store, const TakedownCase& c, std::string_view name, std::string_view recipient,
            TimePoint at, bool answers = false,
            std::optional<std::int64_t> request_id = std::nullopt);
  void execute(Store& store, const TakedownCase& c, const CaseMatch& m, const std::string& actor,
               const std::string& source, TimePoint at);
  void send_to_referent(Store& store, TakedownCase& c, const std::string& actor,
                        const std::string& source, TimePoint at);
  void arm_deadline(Store& store, const TakedownCase& c, TimePoint at);
  std::variant<CaseTokenRow, std::string> take_link(Store& store, std::string_view token_hash,
                                                    std::string_view purpose, TimePoint at);

  Engine& engine_;
  CaseSettings settings_;
};

// Whether the case's state allows that step (the case transition table, for tests and docs).
bool case_step_allowed(CaseState from, std::string_view event, CaseState to);

}  // namespace relais::workflow
