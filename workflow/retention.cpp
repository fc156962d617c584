// Retention rules as SQL over the store, plus the file deletions that follow the commit.
// Every change is guarded by its own "not yet" condition (purged_at IS NULL, sha256 IS NOT
// NULL, erased_at IS NULL), which is what makes a second run a no-op.
#include "workflow/retention.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

namespace relais::workflow {
namespace {

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("retention");
    return l ? l : spdlog::default_logger()->clone("retention");
  }();
  return logger;
}

constexpr const char* kActor = "relais:retention";
constexpr const char* kSource = "retention";

void record(Store& store, std::string_view event, std::int64_t request_id,
            std::optional<std::int64_t> case_id, const boost::json::object& detail, TimePoint at) {
  AuditRow row;
  row.kind = "retention";
  row.request_id = request_id;
  row.case_id = case_id;
  row.event = std::string(event);
  row.actor = kActor;
  row.source = kSource;
  row.detail = boost::json::serialize(detail);
  row.at = at;
  store.append_audit(row);
}

// The raw message holds the photos again (base64 in the MIME body), so once the media of a
// request go, its messages must go too. The row stays for threading and for deduplication by
// Message-ID; its SHA-256 is cleared, which is what tells referenced_blobs (and the orphan
// collection after a crash) that the file is no longer needed. The mail_in row of the audit
// record still holds that hash, and the retention row repeats it.
struct PurgedMessage {
  std::int64_t id;
  std::string sha256;
};

// `select` yields (id, sha256) of inbound messages that still have their file.
std::vector<PurgedMessage> take_messages(Store& store, Statement select) {
  std::vector<PurgedMessage> out;
  while (select.step())
    out.push_back({select.int64(0), select.text(1)});
  for (const auto& m : out)
    store.db().prepare("UPDATE messages SET sha256 = NULL WHERE id = ?").bind_all(m.id).run();
  return out;
}

constexpr const char* kMessagesWithFile =
    "SELECT id, sha256 FROM messages WHERE direction = 'in' AND sha256 IS NOT NULL AND ";

void purge_requests(Store& store, TimePoint cutoff, TimePoint now, RetentionReport& report,
                    std::vector<std::string>& media, std::vector<std::string>& messages) {
  std::vector<std::int64_t> requests;
  auto s = store.db().prepare(
      "SELECT id FROM requests WHERE state IN ('rejected', 'withdrawn', 'expired') "
      "AND updated_at < ? ORDER BY id");
  s.bind_all(to_millis(cutoff));
  while (s.step())
    requests.push_back(s.int64(0));

  for (const auto request_id : requests) {
    struct Purged {
      std::int64_t id;
      std::string sha256;
      std::int64_t size;
    };
    std::vector<Purged> rows;
    auto m = store.db().prepare(
        "SELECT id, sha256, size FROM media WHERE request_id = ? AND purged_at IS NULL "
        "ORDER BY id");
    m.bind_all(request_id);
    while (m.step())
      rows.push_back({m.int64(0), m.text(1), m.int64(2)});
    for (const auto& row : rows) {
      store.db()
          .prepare("UPDATE media SET purged_at = ? WHERE id = ?")
          .bind_all(to_millis(now), row.id)
          .run();
      record(store, "media_purged", request_id, std::nullopt,
             {{"media", row.id}, {"sha256", row.sha256}, {"size", row.size}}, now);
      media.push_back(row.sha256);
      ++report.media_purged;
    }
    auto select =
        store.db().prepare(fmt::format("{} request_id = ? ORDER BY id", kMessagesWithFile));
    select.bind_all(request_id);
    for (const auto& msg : take_messages(store, std::move(select))) {
      record(store, "message_purged", request_id, std::nullopt,
             {{"message", msg.id}, {"sha256", msg.sha256}}, now);
      messages.push_back(msg.sha256);
      ++report.messages_purged;
    }
  }
}

void erase_cases(Store& store, TimePoint cutoff, TimePoint now, RetentionReport& report,
                 std::vector<std::string>& media, std::vector<std::string>& messages) {
  struct Closed {
    std::int64_t id;
    std::string thread_id;
  };
  std::vector<Closed> cases;
  auto s = store.db().prepare(
      "SELECT id, thread_id FROM takedown_cases WHERE state = 'closed' AND erased_at IS NULL "
      "AND closed_at < ? ORDER BY id");
  s.bind_all(to_millis(cutoff));
  while (s.step())
    cases.push_back({s.int64(0), s.text(1)});

  for (const auto& c : cases) {
    boost::json::array evidence;
    auto e = store.db().prepare("SELECT sha256 FROM case_evidence WHERE case_id = ? ORDER BY id");
    e.bind_all(c.id);
    while (e.step()) {
      evidence.emplace_back(e.text(0));
      media.push_back(e.text(0));
    }
    // The version moves on so that no link or page still holding the old one can act.
    store.db()
        .prepare(
            "UPDATE takedown_cases SET requester = '', requester_name = '', text = '', "
            "erased_at = ?1, updated_at = ?1, version = version + 1 WHERE id = ?2")
        .bind_all(to_millis(now), c.id)
        .run();
    // Links mailed to the requester name their address too.
    store.db()
        .prepare("UPDATE case_tokens SET recipient = '' WHERE case_id = ?")
        .bind_all(c.id)
        .run();
    boost::json::object detail{{"evidence", evidence}};
    // The raw request mail (a mail case's thread_id is its Message-ID) holds the photos and
    // the address: its file goes, and its row forgets the sender.
    if (!c.thread_id.empty()) {
      auto select = store.db().prepare(
          fmt::format("{} request_id IS NULL AND message_id = ? ORDER BY id", kMessagesWithFile));
      select.bind_all(c.thread_id);
      for (const auto& msg : take_messages(store, std::move(select))) {
        store.db().prepare("UPDATE messages SET sender = '' WHERE id = ?").bind_all(msg.id).run();
        detail["message"] = msg.sha256;
        messages.push_back(msg.sha256);
        ++report.messages_purged;
      }
    }
    record(store, "case_erased", 0, c.id, detail, now);
    ++report.cases_erased;
  }
}

// The candidates that no row needs any more, each once.
std::vector<std::string> unreferenced(std::vector<std::string> candidates,
                                      const std::unordered_set<std::string>& keep) {
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::erase_if(candidates, [&keep](const std::string& sha) { return keep.contains(sha); });
  return candidates;
}

}  // namespace

RetentionReport purge_expired(Store& store, const RetentionSettings& settings, TimePoint now) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  RetentionReport report;
  std::vector<std::string> media, messages;
  if (settings.media_days > 0) {
    const auto cutoff = now - duration_cast<milliseconds>(std::chrono::days(settings.media_days));
    purge_requests(store, cutoff, now, report, media, messages);
  }
  if (settings.case_years > 0) {
    const auto cutoff = now - duration_cast<milliseconds>(std::chrono::years(settings.case_years));
    erase_cases(store, cutoff, now, report, media, messages);
  }
  // Asked after the rows changed, inside the same transaction: a file another request,
  // case, consent or quarantined message still names stays.
  const auto keep = store.referenced_blobs();
  report.media_blobs = unreferenced(std::move(media), keep);
  report.message_blobs = unreferenced(std::move(messages), keep);
  if (report.media_purged || report.messages_purged || report.cases_erased) {
    log()->info("retention purged media={} messages={} cases={} files={}", report.media_purged,
                report.messages_purged, report.cases_erased,
                report.media_blobs.size() + report.message_blobs.size());
  }
  return report;
}

void delete_purged_blobs(const BlobStore& blobs, const std::vector<std::string>& sha256s) {
  for (const auto& sha : sha256s) {
    if (auto r = blobs.remove(sha); !r) {
      log()->warn("retention file not deleted sha256={} error=\"{}\"", sha.substr(0, 12),
                  r.error().message);
    }
  }
}

}  // namespace relais::workflow
