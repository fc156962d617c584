// Log set-up: one line per event. Under systemd (JOURNAL_STREAM set) lines carry a "<N>"
// syslog priority prefix and no timestamp (the journal adds its own); elsewhere a timestamp.
#pragma once

#include <string>

namespace relais::daemon {

void setup_logging(const std::string& level);

}  // namespace relais::daemon
