// `relaisctl referent away|back|absences`: a referent's absence from the command line. While
// the referent is away the backup gets the requests; those already waiting are handed over at
// once (daemon/absence). Exit codes as in ctl_commands.hpp.
#pragma once

#include <ostream>

#include "daemon/ctl_commands.hpp"

namespace relais::daemon {

// `referent away --until DATE [--who referent|backup]`: away from now to DATE inclusive, DATE as
// YYYY-MM-DD in general.timezone.
// `referent back [--who referent|backup]`: ends what is left of the absence now.
// `referent absences`: the absences not over.
int ctl_referent(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                 std::ostream& out, std::ostream& err);

}  // namespace relais::daemon
