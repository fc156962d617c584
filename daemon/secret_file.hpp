// Secrets (passwords, tokens, keys) are read from files named in the configuration, never from
// the configuration itself, and are never logged.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace relais::daemon {

// The file's content without its final line breaks; nullopt when it cannot be read.
std::optional<std::string> read_secret(const std::filesystem::path& file);

}  // namespace relais::daemon
