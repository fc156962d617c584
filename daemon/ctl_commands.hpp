// relaisctl's commands, one function each, callable from tests on a temporary store. Each takes
// the loaded configuration, the words after the command name, and two streams; it returns the
// exit code: 0 done, 1 refused or failed (nothing changed), 2 usage error.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.hpp"
#include "workflow/request.hpp"

namespace relais::daemon {

using CtlArgs = std::vector<std::string>;

struct CtlOptions {
  bool json = false;                       // --json before the command (also accepted after it)
  std::string actor = "cli";               // recorded in the audit trail, e.g. "cli:alice"
  std::optional<workflow::TimePoint> now;  // the event time; empty: the system clock
};

// `list [--state STATE] [--limit N]`: newest first, N in 1..10000 (default 50).
int ctl_list(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
             std::ostream& err);
// `show ID`: ID is the numeric id or the reference (any case).
int ctl_show(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
             std::ostream& err);
// `approve ID [--channels a,b] [--at YYYY-MM-DDTHH:MM]` (--at is local time in general.timezone).
int ctl_approve(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                std::ostream& out, std::ostream& err);
// `reject ID --reason TEXT` (a non-blank reason is required).
int ctl_reject(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
               std::ostream& err);
// `quarantine list`
int ctl_quarantine(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                   std::ostream& out, std::ostream& err);
// `audit ...` and `consent ...` live in ctl_audit.hpp and ctl_consent.hpp.

// Runs `args[0]` with the rest of `args`; usage and 2 for an empty or unknown command. Sets the
// process's local zone to config.general.timezone first.
int run_ctl(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
            std::ostream& err);

std::string_view ctl_usage();

// "cli:$USER" (without USER: the effective user's login name), or "cli" when the name is not a
// plain login name.
std::string ctl_actor();

// Library log lines go to stderr at warn and above, so that stdout stays the command's output.
void setup_ctl_logging();

}  // namespace relais::daemon
