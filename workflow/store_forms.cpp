// Store: the hits of the public takedown form, counted per key (a hashed address or network)
// over a sliding window for its rate limits. Same rules as the rest of the store: the caller
// holds the transaction; SQLite errors throw.
#include "workflow/store.hpp"

namespace relais::workflow {

int Store::count_form_hits(std::string_view key, TimePoint since) {
  auto s = db_.prepare("SELECT count(*) FROM form_hits WHERE key = ? AND at >= ?");
  s.bind_all(key, to_millis(since));
  s.step();
  return static_cast<int>(s.int64(0));
}

void Store::add_form_hit(std::string_view key, TimePoint at) {
  db_.prepare("INSERT INTO form_hits (key, at) VALUES (?, ?)").bind_all(key, to_millis(at)).run();
}

void Store::prune_form_hits(TimePoint before) {
  db_.prepare("DELETE FROM form_hits WHERE at < ?").bind_all(to_millis(before)).run();
}

}  // namespace relais::workflow
