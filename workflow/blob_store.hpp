// Content-addressed files (raw messages, media): DIR/ab/cdef… named by SHA-256. A file is
// written to a temporary name, fsynced, renamed, and its directory fsynced, so that once put()
// returns the bytes survive a crash; only then may a row that names them commit.
// Failures (disk full, permissions) are transient errors with the path in the message.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "workflow/result.hpp"

namespace relais::workflow {

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Stores `bytes` and returns their SHA-256 (hex). Storing the same bytes twice is a no-op.
  Result<std::string> put(std::string_view bytes) const;
  std::filesystem::path path_of(std::string_view sha256) const;
  Result<std::string> get(std::string_view sha256) const;
  // Deletes the file of that hash; a file already gone is success (retention may run twice).
  // Call only after the transaction that stopped naming it has committed: a crash before the
  // delete leaves an orphan, which collect_orphans removes at the next start.
  Result<void> remove(std::string_view sha256) const;
  // Deletes the files whose hash `keep` does not hold (written before a crash, never
  // committed) and temporary files left by an interrupted write. Returns how many went.
  // Only call when no write is in flight (at start, before listening).
  std::size_t collect_orphans(const std::function<bool(const std::string&)>& keep) const;

 private:
  std::filesystem::path dir_;
};

// Writes `bytes` to `target` atomically and durably (temp file, fsync, rename, fsync dir). The
// file gets `mode` from its creation on (0600 for a secret: never readable by others, even
// for a moment).
Result<void> write_file_durably(const std::filesystem::path& target, std::string_view bytes,
                                unsigned mode = 0640);

}  // namespace relais::workflow
