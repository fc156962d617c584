// A store in a fresh temporary directory, migrated to the current schema, removed afterwards.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "workflow/store.hpp"

namespace relais::workflow::testing {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

struct MigratedStore {
  TempDir dir;
  Store store;
  explicit MigratedStore(const std::string& prefix)
      : dir(prefix), store(dir.path / "relais.db", Database::Mode::read_write) {
    store.migrate();
  }
};

}  // namespace relais::workflow::testing
