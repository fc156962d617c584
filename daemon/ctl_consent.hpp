// `relaisctl consent add|list|revoke`: the consent registry from the command line. add and
// revoke write in one transaction (nothing changes on a refusal); revoke goes through the
// takedown desk, which takes down the person's live publications. Exit codes as in
// ctl_commands.hpp: 0 done, 1 refused or failed, 2 usage error.
#pragma once

#include <ostream>

#include "daemon/ctl_commands.hpp"

namespace relais::daemon {

// `consent add --name N [--email E] [--request ID | --from DATE --until DATE]
//  [--evidence FILE] [--minor] [--note T]`: DATE is YYYY-MM-DD in general.timezone, --until
// inclusive. The person is found by address, else by name (any case); a new one is recorded
// otherwise. The evidence file is copied into the media blob store.
// `consent list`: every consent with its person and status.
// `consent revoke N [--reason T]`: revokes consent N and opens a takedown case for what it
// covered, if anything is live.
int ctl_consent(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                std::ostream& out, std::ostream& err);

}  // namespace relais::daemon
