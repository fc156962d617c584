// How relaisctl opens the store: read-only to look, read-write to act, and never creates or
// migrates one (that is relaisd's job). A missing or uninitialised store is an error value
// with a sentence for the administrator; nothing is created on disk.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>

#include "daemon/config/config.hpp"
#include "workflow/result.hpp"
#include "workflow/store.hpp"

namespace relais::daemon {

// <general.state_dir>/relais.db
std::filesystem::path store_path(const Config& config);

// A read-only connection (WAL readers do not block relaisd's writer).
Result<std::unique_ptr<workflow::Store>> open_store_for_reading(const Config& config);

// A read-write connection to an existing, migrated store; the caller opens the transaction.
Result<std::unique_ptr<workflow::Store>> open_store_for_writing(const Config& config);

// The shape of every command that reads: opens the store (1 with the sentence if it cannot)
// and runs body, a store error being exit 1 with its sentence.
int with_store_for_reading(const Config& config, std::ostream& err,
                           const std::function<int(workflow::Store&)>& body);

// The shape of every command that acts: one transaction, committed when body returns 0 and
// rolled back otherwise (or on a store error, exit 1). What body writes to the stream it is
// given reaches `out` only after the commit, so a refused or failed command prints no result.
int with_store_for_writing(const Config& config, std::ostream& out, std::ostream& err,
                           const std::function<int(workflow::Store&, std::ostream&)>& body);

}  // namespace relais::daemon
