// One connector per configured channel ([channels.NAME]): the publishers relaisd publishes
// with, and relaisctl checks with `channel test`.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"
#include "daemon/config/config.hpp"
#include "workflow/result.hpp"

namespace relais::daemon {

// The connector of one channel, reading its secret files; a channel type without a connector,
// or a secret that cannot be read, is a permanent error naming the key. `http` is made on first
// need, then shared by every network channel.
Result<std::unique_ptr<connectors::Publisher>> make_publisher(
    const Config& cfg, const ChannelConfig& channel,
    std::shared_ptr<connectors::http::Client>& http);

// Every configured channel's connector.
Result<void> make_publishers(const Config& cfg,
                             std::map<std::string, std::unique_ptr<connectors::Publisher>>& out);

}  // namespace relais::daemon
