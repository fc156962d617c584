// relaisd's lifecycle: wire the parts named by the configuration, start listening, tell
// systemd READY, keep the watchdog fed through the I/O and writer threads, reload templates
// on SIGHUP, and on SIGTERM stop accepting, drain, and exit within systemd's stop timeout.
#pragma once

#include "daemon/config/config.hpp"

namespace relais::daemon {

// Returns the process exit code. Start-up failures are logged as one clear line each.
int run_daemon(const Config& config);

}  // namespace relais::daemon
