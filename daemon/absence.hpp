// A referent's or a backup's absence, however it is learnt (an out-of-office reply, relaisctl,
// the dashboard): recorded with its audit row, and the requests awaiting a decision handed to
// whoever is now on duty, each with a link of its own.
#pragma once

#include <string>

#include "daemon/config/config.hpp"
#include "workflow/store.hpp"

namespace relais::daemon {

// Records `address` away over [from, until) and, when that moves the duty to the backup now,
// enqueues the handover mails. Returns how many requests were handed over.
int record_absence(workflow::Store& store, const ReferentConfig& referent,
                   const std::string& address, workflow::TimePoint from, workflow::TimePoint until,
                   const std::string& source, const std::string& actor, workflow::TimePoint at);

}  // namespace relais::daemon
