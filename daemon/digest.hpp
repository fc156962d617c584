// What waited for one person's working hours goes as one mail when they start: each item's
// subject and text, with its buttons (daemon/held_mail). A single item goes as itself.
#pragma once

#include <cstdint>
#include <vector>

#include "daemon/mail_job.hpp"

namespace relais::daemon {

struct DigestItem {
  std::int64_t row_id = 0;
  MailJob job;
  bool left_out = false;  // could not be rendered: sent (or failed) on its own instead
};

// In a writer job: the other rows held for the same person and due by `now`, prepared (their
// links issued) and joined to `lead`'s digest. One that now goes elsewhere leaves it.
std::vector<DigestItem> gather_digest(workflow::Store& store, const workflow::OutboxRow& lead,
                                      const MailJob& lead_job, const Services& s,
                                      workflow::TimePoint now);

// The digest of `lead` and `others` (worker pool). An item of `others` that cannot be rendered
// is left out (marked, logged) rather than holding back the rest; the lead failing fails it.
Result<connectors::OutgoingMail> render_digest(const MailJob& lead,
                                               std::vector<DigestItem>& others,
                                               const Services& s);

// After a decision request went out: its reminder and its escalation, as mail rows due after
// the recipient's working hours (referent.remind_after_working_hours, ...), once per version.
void schedule_follow_ups(workflow::Store& store, const MailJob& sent, const Services& s,
                         workflow::TimePoint sent_at);

}  // namespace relais::daemon
