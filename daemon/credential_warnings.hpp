// Network credentials that expire (LinkedIn's 60-day tokens) are announced before they stop
// working: the referent (and the administrator, when configured) get one mail 14, 7 and 1
// days before, and one when they have expired, each with what to do. Each mail is an outbox
// row keyed by channel, expiry day and threshold, so a restart or the next hourly pass never
// sends it twice.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "connectors/connector.hpp"
#include "daemon/config/config.hpp"
#include "workflow/store.hpp"

namespace relais::daemon {

// The warning due at `now` for credentials expiring at `expires`: 14, 7 or 1 (days ahead,
// the tightest reached), 0 once expired; nullopt when more than 14 days remain.
std::optional<int> credential_warning_due(std::chrono::system_clock::time_point expires,
                                          std::chrono::system_clock::time_point now);

// Enqueues the warnings due for every publisher that knows its expiry; returns how many rows
// were new.
int enqueue_credential_warnings(
    workflow::Store& store, const Config& config,
    const std::map<std::string, std::unique_ptr<connectors::Publisher>>& publishers,
    std::chrono::system_clock::time_point now);

}  // namespace relais::daemon
