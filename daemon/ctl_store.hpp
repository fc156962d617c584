// How relaisctl opens the store: read-only to look, read-write to act, and never creates or
// migrates one (that is relaisd's job). A missing or uninitialised store is an error value
// with a sentence for the administrator; nothing is created on disk.
#pragma once

#include <filesystem>
#include <memory>

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

}  // namespace relais::daemon
