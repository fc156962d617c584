// Retention on a real store and real blob directories: what goes (media and raw messages of
// old rejected/withdrawn/expired requests, details and evidence of long-closed cases), what
// stays (anything another row still names, recent or live requests, open cases), the record
// it leaves, a second run that changes nothing, a rollback that loses nothing, and a crash
// between commit and deletion that the orphan collection finishes.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <tuple>

#include "workflow/blob_store.hpp"
#include "workflow/retention.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);  // 2026-09-21
constexpr auto kDay = std::chrono::hours(24);

struct World {
  fs::path dir;
  std::unique_ptr<Store> store;
  BlobStore media{""}, messages{""};
  // Requests: old rejected, published (shares a photo), recent withdrawn, old expired (its photo
  // is also a consent's evidence), old awaiting_approval.
  std::int64_t rejected = 0, published = 0, withdrawn = 0, expired = 0, waiting = 0;
  // Cases: closed 6 years ago, closed 1 year ago, answered 6 years ago.
  std::int64_t old_case = 0, recent_case = 0, open_case = 0;
  std::string only_rejected, shared, consent_evidence, withdrawn_photo, waiting_photo;
  std::string rejected_mail, withdrawn_mail, takedown_mail;
  std::string evidence_only, evidence_shared, recent_evidence;

  World() {
    static int counter = 0;
    dir = fs::temp_directory_path() / fmt::format("relais-retention-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
    media = BlobStore(dir / "media");
    messages = BlobStore(dir / "messages");
    store = std::make_unique<Store>(dir / "relais.db", Database::Mode::read_write);
    store->migrate();
    populate();
  }
  ~World() {
    store.reset();
    fs::remove_all(dir);
  }

  std::string put(const BlobStore& blobs, std::string_view bytes) {
    auto sha = blobs.put(bytes);
    REQUIRE(sha);
    return *sha;
  }

  std::int64_t request(State state, TimePoint updated) {
    Request r;
    r.reference = store->next_reference(2026);
    r.state = state;
    r.version = 3;
    r.sender = "agent@example.org";
    r.created_at = updated - kDay;
    r.updated_at = updated;
    return store->insert_request(r);
  }

  void photo(std::int64_t request_id, int position, const std::string& sha) {
    store->insert_media({0, request_id, position, sha, "image/jpeg", "photo.jpg", 1000 + position});
  }

  std::int64_t closed_case(TimePoint closed, const char* state, const std::string& thread) {
    TakedownCase c;
    c.reference = store->next_case_reference(2026);
    c.state = CaseState::received;
    c.origin = "mail";
    c.requester = "claire@example.net";
    c.requester_name = "Claire Martin";
    c.text = "Merci de retirer ma photo.";
    c.thread_id = thread;
    c.received_at = c.updated_at = closed - 30 * kDay;
    c.deadline_at = closed;
    const auto id = store->insert_case(c);
    store->db()
        .prepare("UPDATE takedown_cases SET state = ?, closed_at = ? WHERE id = ?")
        .bind_all(state, to_millis(closed), id)
        .run();
    store->db()
        .prepare(
            "INSERT INTO case_tokens (hash, case_id, purpose, recipient, version, expires_at, "
            "created_at) VALUES (?, ?, 'confirm_email', 'claire@example.net', 1, 0, 0)")
        .bind_all(fmt::format("{:064}", id), id)
        .run();
    return id;
  }

  void populate() {
    only_rejected = put(media, "photo only in the rejected request");
    shared = put(media, "photo in the rejected and the published request");
    consent_evidence = put(media, "photo of the expired request, also a consent form");
    withdrawn_photo = put(media, "photo of the recently withdrawn request");
    waiting_photo = put(media, "photo of the request still awaiting approval");
    rejected_mail = put(messages, "raw mail of the rejected request");
    withdrawn_mail = put(messages, "raw mail of the withdrawn request");
    takedown_mail = put(messages, "raw takedown mail");
    evidence_only = put(media, "evidence only in the old case");
    evidence_shared = put(media, "evidence that is also a published photo");
    recent_evidence = put(media, "evidence of the recent case");

    store->begin();
    rejected = request(State::rejected, kNow - 100 * kDay);
    photo(rejected, 0, only_rejected);
    photo(rejected, 1, shared);
    store->insert_inbound({rejected_mail, "<rejected@example.org>", rejected, "submission",
                           "agent@example.org", "publier@example.org", kNow - 101 * kDay});
    published = request(State::published, kNow - 100 * kDay);
    photo(published, 0, shared);
    photo(published, 1, evidence_shared);
    withdrawn = request(State::withdrawn, kNow - 10 * kDay);
    photo(withdrawn, 0, withdrawn_photo);
    store->insert_inbound({withdrawn_mail, "<withdrawn@example.org>", withdrawn, "submission",
                           "agent@example.org", "publier@example.org", kNow - 11 * kDay});
    expired = request(State::expired, kNow - 91 * kDay);
    photo(expired, 0, consent_evidence);
    store->db().exec(
        "INSERT INTO persons (name, created_at) VALUES ('Léa', 0); "
        "INSERT INTO consents (person_id, scope, evidence_sha256, given_at, created_at) VALUES "
        "(1, 'period', '" +
        consent_evidence + "', 0, 0)");
    waiting = request(State::awaiting_approval, kNow - 200 * kDay);
    photo(waiting, 0, waiting_photo);

    old_case = closed_case(kNow - 6 * 366 * kDay, "closed", "<takedown@example.net>");
    store->insert_inbound({takedown_mail, "<takedown@example.net>", std::nullopt, "takedown",
                           "claire@example.net", "retrait@example.org", kNow - 6 * 400 * kDay});
    store->insert_case_evidence(old_case, 0, {0, 0, 0, evidence_only, "image/png", "moi.png", 10},
                                true);
    store->insert_case_evidence(old_case, 1,
                                {0, 0, 1, evidence_shared, "image/png", "post.png", 11}, true);
    recent_case = closed_case(kNow - 365 * kDay, "closed", "");
    store->insert_case_evidence(recent_case, 0,
                                {0, 0, 0, recent_evidence, "image/png", "moi.png", 12}, true);
    open_case = closed_case(kNow - 6 * 366 * kDay, "answered", "");
    store->commit();
  }

  RetentionReport purge(bool delete_files = true) {
    store->begin();
    RetentionReport r;
    try {
      r = purge_expired(*store, {90, 5}, kNow);
      store->commit();
    } catch (...) {
      store->rollback();
      throw;
    }
    if (delete_files) {
      delete_purged_blobs(media, r.media_blobs);
      delete_purged_blobs(messages, r.message_blobs);
    }
    return r;
  }

  bool has(const BlobStore& blobs, const std::string& sha) const {
    return fs::exists(blobs.path_of(sha));
  }

  std::vector<AuditRow> retention_rows() {
    std::vector<AuditRow> out;
    for (auto& r : store->audit_rows(std::nullopt, std::nullopt)) {
      if (r.kind == "retention")
        out.push_back(std::move(r));
    }
    return out;
  }

  int purged_media_of(std::int64_t request_id) {
    auto s = store->db().prepare(
        "SELECT count(*) FROM media WHERE request_id = ? AND purged_at IS NOT NULL");
    s.bind_all(request_id);
    s.step();
    return static_cast<int>(s.int64(0));
  }
};

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("retention purges old unpublished media and erases long-closed cases") {
  World w;
  const auto audit_before = w.store->audit_count();
  const auto report = w.purge();

  CHECK(report.media_purged == 3);     // two of the rejected request, one of the expired one
  CHECK(report.messages_purged == 2);  // the rejected request's mail, the old case's mail
  CHECK(report.cases_erased == 1);
  CHECK(report.media_blobs == sorted({w.only_rejected, w.evidence_only}));
  CHECK(report.message_blobs == sorted({w.rejected_mail, w.takedown_mail}));

  // Files: gone only where no other row needs them.
  CHECK_FALSE(w.has(w.media, w.only_rejected));
  CHECK_FALSE(w.has(w.media, w.evidence_only));
  CHECK_FALSE(w.has(w.messages, w.rejected_mail));
  CHECK_FALSE(w.has(w.messages, w.takedown_mail));
  CHECK(w.has(w.media, w.shared));            // still published elsewhere
  CHECK(w.has(w.media, w.consent_evidence));  // a consent's evidence
  CHECK(w.has(w.media, w.evidence_shared));   // also a published photo
  CHECK(w.has(w.media, w.withdrawn_photo));   // withdrawn 10 days ago
  CHECK(w.has(w.media, w.waiting_photo));     // not a final state
  CHECK(w.has(w.messages, w.withdrawn_mail));
  CHECK(w.has(w.media, w.recent_evidence));

  // Rows stay, marked.
  CHECK(w.purged_media_of(w.rejected) == 2);
  CHECK(w.purged_media_of(w.expired) == 1);
  CHECK(w.purged_media_of(w.published) == 0);
  CHECK(w.purged_media_of(w.withdrawn) == 0);
  CHECK(w.purged_media_of(w.waiting) == 0);
  CHECK(w.store->media_of(w.rejected).size() == 2);
  auto msg = w.store->db().prepare(
      "SELECT message_id, sha256 IS NULL, sender FROM messages WHERE direction = 'in' ORDER BY id");
  std::vector<std::tuple<std::string, bool, std::string>> msgs;
  while (msg.step())
    msgs.emplace_back(msg.text(0), msg.int64(1) == 1, msg.text(2));
  CHECK(msgs == std::vector<std::tuple<std::string, bool, std::string>>{
                    {"<rejected@example.org>", true, "agent@example.org"},
                    {"<withdrawn@example.org>", false, "agent@example.org"},
                    {"<takedown@example.net>", true, ""}});
  // Deduplication by Message-ID still recognises the purged mail.
  CHECK(w.store->find_inbound(std::string(64, 'f'), "<rejected@example.org>"));

  const auto erased = w.store->load_case(w.old_case);
  REQUIRE(erased);
  CHECK(erased->erased_at == kNow);
  CHECK(erased->requester.empty());
  CHECK(erased->requester_name.empty());
  CHECK(erased->text.empty());
  CHECK(erased->reference == "DI-2026-0001");
  const auto evidence = w.store->case_evidence(w.old_case);
  REQUIRE(evidence.size() == 2);
  CHECK(evidence[0].sha256 == w.evidence_only);  // the hash stays for the record
  auto tok = w.store->db().prepare("SELECT case_id, recipient FROM case_tokens ORDER BY case_id");
  std::vector<std::string> recipients;
  while (tok.step())
    recipients.push_back(tok.text(1));
  CHECK(recipients == std::vector<std::string>{"", "claire@example.net", "claire@example.net"});
  for (auto id : {w.recent_case, w.open_case}) {
    const auto kept = w.store->load_case(id);
    CHECK_FALSE(kept->erased_at);
    CHECK(kept->requester == "claire@example.net");
    CHECK(kept->text == "Merci de retirer ma photo.");
  }

  // The record: one row per media, per request message and per case (its mail in the case row).
  CHECK_FALSE(w.store->verify_audit_chain());
  const auto rows = w.retention_rows();
  CHECK(w.store->audit_count() == audit_before + 5);
  REQUIRE(rows.size() == 5);
  std::map<std::string, int> events;
  for (const auto& r : rows) {
    ++events[r.event];
    CHECK(r.actor == "relais:retention");
    CHECK(r.at == kNow);
  }
  CHECK(events ==
        std::map<std::string, int>{{"media_purged", 3}, {"message_purged", 1}, {"case_erased", 1}});
  const auto first = boost::json::parse(rows[0].detail).as_object();
  CHECK(rows[0].request_id == w.rejected);
  CHECK(first.at("sha256").as_string() == w.only_rejected);
  CHECK(first.at("size") == 1000);
  const auto& erasure = rows.back();
  CHECK(erasure.event == "case_erased");
  CHECK(erasure.case_id == w.old_case);
  const auto detail = boost::json::parse(erasure.detail).as_object();
  CHECK(detail.at("evidence").as_array().size() == 2);
  CHECK(detail.at("message").as_string() == w.takedown_mail);

  // What the blob stores keep from now on.
  const auto keep = w.store->referenced_blobs();
  for (const auto& sha : {w.only_rejected, w.evidence_only, w.rejected_mail, w.takedown_mail})
    CHECK_FALSE(keep.contains(sha));
  for (const auto& sha :
       {w.shared, w.consent_evidence, w.evidence_shared, w.recent_evidence, w.withdrawn_mail})
    CHECK(keep.contains(sha));
}

TEST_CASE("retention run twice changes nothing the second time") {
  World w;
  w.purge();
  const auto audit = w.store->audit_count();
  const auto again = w.purge();
  CHECK(again.media_purged == 0);
  CHECK(again.messages_purged == 0);
  CHECK(again.cases_erased == 0);
  CHECK(again.media_blobs.empty());
  CHECK(again.message_blobs.empty());
  CHECK(w.store->audit_count() == audit);
  CHECK(w.store->load_case(w.old_case)->erased_at == kNow);
  CHECK_FALSE(w.store->verify_audit_chain());
}

TEST_CASE("a rolled-back retention run loses no file") {
  World w;
  const auto audit = w.store->audit_count();
  w.store->begin();
  const auto report = purge_expired(*w.store, {90, 5}, kNow);
  CHECK(report.media_purged == 3);
  w.store->rollback();  // the caller's commit failed: files are deleted only after a commit
  CHECK(w.has(w.media, w.only_rejected));
  CHECK(w.has(w.messages, w.rejected_mail));
  CHECK(w.purged_media_of(w.rejected) == 0);
  CHECK(w.store->audit_count() == audit);
  CHECK(w.store->load_case(w.old_case)->requester == "claire@example.net");
}

TEST_CASE("a crash between commit and deletion leaves orphans that the start-up collection takes") {
  World w;
  const auto report = w.purge(/*delete_files=*/false);
  CHECK(w.has(w.media, w.only_rejected));
  const auto keep = w.store->referenced_blobs();
  auto known = [&keep](const std::string& sha) { return keep.contains(sha); };
  CHECK(w.media.collect_orphans(known) == report.media_blobs.size());
  CHECK(w.messages.collect_orphans(known) == report.message_blobs.size());
  CHECK_FALSE(w.has(w.media, w.only_rejected));
  CHECK_FALSE(w.has(w.media, w.evidence_only));
  CHECK_FALSE(w.has(w.messages, w.takedown_mail));
  CHECK(w.has(w.media, w.shared));
  CHECK(w.has(w.media, w.recent_evidence));
  // Deleting afterwards anyway (the retention job resumed) is harmless.
  delete_purged_blobs(w.media, report.media_blobs);
}

TEST_CASE("BlobStore::remove deletes by hash only") {
  World w;
  CHECK(w.media.remove(w.only_rejected));
  CHECK_FALSE(w.has(w.media, w.only_rejected));
  CHECK(w.media.remove(w.only_rejected));  // already gone: fine
  CHECK_FALSE(w.media.remove("../relais.db"));
  CHECK_FALSE(w.media.remove(std::string(64, 'G')));
  CHECK(fs::exists(w.dir / "relais.db"));
}
