// One connector per configured channel ([channels.NAME]): the publishers relaisd publishes
// with, and relaisctl checks with `channel test`.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "connectors/connector.hpp"
#include "daemon/config/config.hpp"
#include "workflow/result.hpp"

namespace relais::daemon {

// Reads each channel's secret files; a channel type without a connector, or a secret that
// cannot be read, is a permanent error naming the key.
Result<void> make_publishers(const Config& cfg,
                             std::map<std::string, std::unique_ptr<connectors::Publisher>>& out);

}  // namespace relais::daemon
