// Opening fails with invalid_input when no store exists at the path or it has no schema yet,
// and with permanent when SQLite cannot open it (permissions, a damaged file).
#include "daemon/ctl_store.hpp"

#include <sstream>

#include "daemon/ctl_args.hpp"

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

int with_store_for_reading(const Config& config, std::ostream& err,
                           const std::function<int(workflow::Store&)>& body) {
  auto opened = open_store_for_reading(config);
  if (!opened) {
    err << opened.error().message << '\n';
    return 1;
  }
  return guarded(err, [&] { return body(**opened); });
}

int with_store_for_writing(const Config& config, std::ostream& out, std::ostream& err,
                           const std::function<int(workflow::Store&, std::ostream&)>& body) {
  auto opened = open_store_for_writing(config);
  if (!opened) {
    err << opened.error().message << '\n';
    return 1;
  }
  workflow::Store& store = **opened;
  std::ostringstream result;
  const int code = guarded(err, [&] {
    store.begin();
    try {
      const int c = body(store, result);
      if (c == 0)
        store.commit();
      else
        store.rollback();
      return c;
    } catch (...) {
      try {
        store.rollback();
      } catch (...) {  // SQLite may have rolled back already (a failed COMMIT): keep the cause
      }
      throw;
    }
  });
  if (code == 0)
    out << result.str();
  return code;
}

}  // namespace relais::daemon
