// Store: where relais stands in each IMAP mailbox it reads (schema v4). Same rules as the rest
// of the store: the caller holds the transaction; SQLite errors throw.
#include "workflow/store.hpp"

namespace relais::workflow {

std::optional<Store::ImapPosition> Store::imap_position(std::string_view account,
                                                        std::string_view mailbox) {
  auto s = db_.prepare(
      "SELECT uid_validity, last_uid FROM imap_state WHERE account = ? AND mailbox = ?");
  s.bind_all(account, mailbox);
  if (!s.step())
    return std::nullopt;
  return ImapPosition{static_cast<std::uint32_t>(s.int64(0)),
                      static_cast<std::uint32_t>(s.int64(1))};
}

void Store::set_imap_position(std::string_view account, std::string_view mailbox, ImapPosition p,
                              TimePoint at) {
  db_.prepare(
         "INSERT INTO imap_state (account, mailbox, uid_validity, last_uid, updated_at) "
         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, mailbox) DO UPDATE SET "
         "uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, "
         "updated_at = excluded.updated_at")
      .bind_all(account, mailbox, static_cast<std::int64_t>(p.uid_validity),
                static_cast<std::int64_t>(p.last_uid), to_millis(at))
      .run();
}

}  // namespace relais::workflow
