// Retention: what relais stops keeping once it is no longer needed. The media (and the raw
// messages that carry them) of requests that were never published, and the requester's
// details and evidence of takedown cases closed long ago. Rows stay, with their hashes, so
// the audit record keeps its meaning; files go. SQLite failures throw SqliteError (the caller
// rolls back); a file that cannot be deleted is logged and left to the orphan collection.
//
// Order, which matters for a crash: purge_expired() changes rows inside the caller's
// transaction and returns the files to delete; the caller commits, then calls
// delete_purged_blobs(). A crash between the commit and the deletion leaves files that no row
// needs any more; the orphan collection at the next start removes them. Deleting first would
// risk the opposite: a rolled-back purge whose rows name files that are gone.
#pragma once

#include <string>
#include <vector>

#include "workflow/blob_store.hpp"
#include "workflow/store.hpp"

namespace relais::workflow {

struct RetentionSettings {
  int media_days = 90;  // retention.media_days
  int case_years = 5;   // retention.case_years
};

struct RetentionReport {
  int media_purged = 0;     // media rows marked purged
  int messages_purged = 0;  // raw inbound messages whose file goes
  int cases_erased = 0;     // takedown cases whose requester's details were erased
  // Files that no row needs any more, to delete after the commit (delete_purged_blobs).
  std::vector<std::string> media_blobs;    // in the media blob store
  std::vector<std::string> message_blobs;  // in the messages blob store
};

// Inside the caller's transaction. Requests in rejected, withdrawn or expired whose last
// update is older than media_days: their media rows get purged_at, their raw inbound messages
// lose their SHA-256 (the file goes; the Message-ID stays for deduplication, and the mail_in
// row of the record keeps the hash). Cases closed more than case_years ago: erased_at set,
// requester, name and text blanked, their evidence files and raw request mail go (rows and
// hashes stay). One audit row (kind retention) per media, per request message and per case.
// Running it again changes nothing. A file is listed only when no row still needs it
// (Store::referenced_blobs).
RetentionReport purge_expired(Store& store, const RetentionSettings& settings, TimePoint now);

// After the commit: deletes those files. Failures are logged (hash prefix only) and skipped.
void delete_purged_blobs(const BlobStore& blobs, const std::vector<std::string>& sha256s);

}  // namespace relais::workflow
