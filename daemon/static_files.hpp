// The few files relais's pages load besides themselves, built in: /static/NAME.
#pragma once

#include <optional>
#include <string_view>

namespace relais::daemon {

struct StaticFile {
  std::string_view content_type;
  std::string_view body;
};

std::optional<StaticFile> static_file(std::string_view name);

}  // namespace relais::daemon
