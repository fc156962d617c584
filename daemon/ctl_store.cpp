// Opening fails with invalid_input when no store exists at the path or it has no schema yet,
// and with permanent when SQLite cannot open it (permissions, a damaged file).
#include "daemon/ctl_store.hpp"

#include <fmt/format.h>

namespace relais::daemon {
namespace {

Result<std::unique_ptr<workflow::Store>> open_store(const Config& config,
                                                    workflow::Database::Mode mode) {
  const auto path = store_path(config);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return invalid_input(
        fmt::format("no relais store at {}: has relaisd run here?", path.string()));
  }
  try {
    auto store = std::make_unique<workflow::Store>(path, mode);
    if (store->schema_version() == 0) {
      return invalid_input(fmt::format(
          "store not initialised at {}: start relaisd once to create it", path.string()));
    }
    return store;
  } catch (const workflow::SqliteError& e) {
    return permanent(
        fmt::format("cannot open the relais store at {}: {}", path.string(), e.what()));
  }
}

}  // namespace

std::filesystem::path store_path(const Config& config) {
  return std::filesystem::path(config.general.state_dir) / "relais.db";
}

Result<std::unique_ptr<workflow::Store>> open_store_for_reading(const Config& config) {
  return open_store(config, workflow::Database::Mode::read_only);
}

Result<std::unique_ptr<workflow::Store>> open_store_for_writing(const Config& config) {
  return open_store(config, workflow::Database::Mode::read_write);
}

}  // namespace relais::daemon
