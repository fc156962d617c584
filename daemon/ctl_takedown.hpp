// `relaisctl takedown ID [--reason TEXT] [--requester ADDR]`: the referent or an administrator
// takes a publication down (after a phone call, a letter, a court order). It opens a takedown
// case whose only match is the request, certain by reference, so it runs the same path as a
// mail or the form: every channel removed, the media's hashes blocked, the agent and the
// referent told, the requester (when given) acknowledged and answered, all in the record.
#pragma once

#include <ostream>

#include "daemon/ctl_commands.hpp"

namespace relais::daemon {

int ctl_takedown(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                 std::ostream& out, std::ostream& err);

}  // namespace relais::daemon
