// `relaisctl channel list` and `relaisctl channel test NAME`: what each configured channel is,
// and whether its credentials work, checked against the network without posting anything
// (Publisher::check). Run it after putting a token in place, and when a channel fails.
#pragma once

#include <ostream>

#include "daemon/ctl_commands.hpp"

namespace relais::daemon {

int ctl_channel(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                std::ostream& out, std::ostream& err);

}  // namespace relais::daemon
