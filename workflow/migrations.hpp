// The SQLite schema migrations, compiled in from schemas/sqlite/NNNN_name.sql, in order.
#pragma once

#include <span>

namespace relais::workflow {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

std::span<const Migration> sqlite_migrations();

}  // namespace relais::workflow
