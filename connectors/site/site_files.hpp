// Durable file operations for the site: every file is written to a temporary file in the same
// directory, fsynced, renamed over the target, and the directory fsynced. Disk errors come back
// as transient Errors; a missing source file for a copy as a permanent one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "workflow/result.hpp"

namespace relais::connectors::site {

// Creates `dir` and its parents when missing.
Result<void> ensure_directory(const std::filesystem::path& dir);

// Replaces `target` with `content` atomically (mode 0644: the page is public).
Result<void> write_file_atomically(const std::filesystem::path& target, std::string_view content);

// Copies `source` to `target` atomically (mode 0644) and returns the number of bytes copied.
Result<std::uint64_t> copy_file_atomically(const std::filesystem::path& source,
                                           const std::filesystem::path& target);

// Reads a whole file; nullopt when it does not exist.
Result<std::optional<std::string>> read_file(const std::filesystem::path& path);

// Removes `path` if it exists; a missing file is success. Call fsync_directory afterwards.
Result<void> remove_file(const std::filesystem::path& path);

// Makes the directory's entries (renames, unlinks) durable.
Result<void> fsync_directory(const std::filesystem::path& dir);

}  // namespace relais::connectors::site
