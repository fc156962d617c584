// The durable store of relais (SQLite). One Store object owns one connection; the daemon
// keeps one writer Store (on its writer thread) and read-only Stores for pages and relaisctl.
// Every write happens inside a transaction opened by the caller (begin()/commit(), or the
// writer's group commit). SQLite failures throw SqliteError; the caller rolls back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "workflow/case_state.hpp"
#include "workflow/consent.hpp"
#include "workflow/image_hashes.hpp"
#include "workflow/outcome.hpp"
#include "workflow/sqlite.hpp"

namespace relais::workflow {

struct OutboxRow {
  std::int64_t id = 0;
  std::optional<std::int64_t> request_id;
  std::string effect_key;  // idempotency key: request id + transition + index
  EffectKind kind = EffectKind::mail;
  std::string payload;  // JSON
  TimePoint due_at{};
  int attempts = 0;
  std::string last_error;
  std::string held_for;                   // held for this person's working hours (a mail)
  std::optional<std::int64_t> digest_of;  // carried by that row's digest
};

struct TimerRow {
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  EventKind fires = EventKind::expire;
  TimePoint due_at{};
};

struct TokenRow {
  std::int64_t id = 0;
  std::string hash;  // hex SHA-256 of the raw token
  std::int64_t request_id = 0;
  std::string recipient;
  std::string actions;  // comma-separated event names
  std::int64_t version = 0;
  TimePoint expires_at{};
  std::optional<TimePoint> used_at;
  std::string used_for;
};

struct MediaRow {
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  int position = 0;
  std::string sha256;
  std::string content_type;
  std::string filename;  // display only; never a path
  std::int64_t size = 0;
  std::optional<ImageHashes> hashes = {};  // images that could be decoded
};

// The columns read_media_row() expects, in its order.
inline constexpr const char* kMediaColumns =
    "id, request_id, position, sha256, content_type, filename, size, phash, phash_mirror, "
    "width, height";
MediaRow read_media_row(Statement& s);

struct QuarantineRow {
  std::int64_t id = 0;
  std::string sha256;
  std::int64_t size = 0;
  std::string reason;
  std::string remote;
  TimePoint at{};
};

// One row of the audit record. kind: transition (of a request), case (of a takedown case),
// mail_in, mail_out, removal, decision, consent, retention. request_id 0 = none.
struct AuditRow {
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  std::string from_state, to_state, event, actor, source, detail;
  TimePoint at{};
  std::string prev_hash, hash;
  std::string kind = "transition";
  std::optional<std::int64_t> case_id;
};

struct InboundMessage {
  std::string sha256;
  std::string message_id;
  std::optional<std::int64_t> request_id;
  std::string kind;  // submission, reply, refused, automatic, takedown
  std::string sender;
  std::string recipients;
  TimePoint at{};
};

class Store {
 public:
  Store(const std::filesystem::path& file, Database::Mode mode);

  // Applies the compiled-in migrations not yet applied; called once at start by the writer.
  void migrate();
  int schema_version();
  // Changes whenever another connection (relaisctl) commits to the file; not on this one's.
  std::int64_t data_version();

  void begin();  // BEGIN IMMEDIATE
  void commit();
  void rollback();
  void savepoint(std::string_view name);
  void release(std::string_view name);
  void rollback_to(std::string_view name);

  // ---- requests
  std::string next_reference(int year);           // "PUB-2026-0042", gap-free per year
  std::int64_t insert_request(const Request& r);  // r.state is stored as given
  std::optional<Request> load_request(std::int64_t id);
  std::optional<Request> find_request(std::string_view id_or_reference);
  // Compare-and-set on version: false when the stored version is not r.version - 1.
  bool save_request(const Request& r);
  std::vector<Request> list_requests(std::optional<State> state, int limit);
  // The dashboard's list: newest first, by state and by words found in the reference, subject,
  // sender or text (case-insensitive for ASCII), a page at a time.
  struct RequestFilter {
    std::optional<State> state;
    std::string words;
    int limit = 50;
    int offset = 0;
  };
  std::vector<Request> search_requests(const RequestFilter& f);
  std::int64_t count_requests(const RequestFilter& f);
  // Requests with a publication time in [from, to), by time: the calendar and the ICS feed.
  std::vector<Request> requests_publishing_between(TimePoint from, TimePoint to);
  // Per channel named by any request: posts made, the last one, and the last error seen.
  struct ChannelActivity {
    std::string channel;
    std::int64_t published = 0;
    std::optional<TimePoint> last_published_at;
    std::string last_error, last_error_reference;
    std::optional<TimePoint> last_error_at;
  };
  std::vector<ChannelActivity> channel_activity();
  std::vector<std::pair<std::string, std::int64_t>> count_by_state();

  // ---- audit record (hash chain)
  // Appends a row of any kind to the chain; fills prev_hash and hash (row.id, prev_hash and
  // hash are ignored). append_transition is the older name of the same call.
  void append_audit(const AuditRow& row);
  void append_transition(const AuditRow& row);
  std::vector<AuditRow> transitions_of(std::int64_t request_id);
  // The rows naming that request and/or that case (both given: both must match; both empty:
  // every row), in id order.
  std::vector<AuditRow> audit_rows(std::optional<std::int64_t> request_id,
                                   std::optional<std::int64_t> case_id);
  std::int64_t audit_count();
  // Recomputes the chain; returns the id of the first broken row, or nullopt.
  std::optional<std::int64_t> verify_audit_chain();

  // ---- messages and media
  std::optional<InboundMessage> find_inbound(std::string_view sha256, std::string_view message_id);
  void insert_inbound(const InboundMessage& m);
  // `token_hash`: the link token the mail carried (a notification to the referent), if any.
  void insert_outbound(std::string_view message_id, std::optional<std::int64_t> request_id,
                       std::string_view kind, std::string_view recipients, TimePoint at,
                       std::string_view token_hash = {});
  // The request a message (by Message-ID, in or out) belongs to.
  std::optional<std::int64_t> request_of_message(std::string_view message_id);
  std::int64_t insert_media(const MediaRow& m);
  std::vector<MediaRow> media_of(std::int64_t request_id);
  // The file stays (it is evidence of what was sent) but is no longer part of the request.
  void drop_media(std::int64_t media_id);
  // Every SHA-256 whose file a row still needs (messages, unpurged media, quarantine, evidence
  // of cases not erased, consent evidence): what the blob stores keep.
  std::unordered_set<std::string> referenced_blobs();

  // ---- outbox
  std::int64_t enqueue(const OutboxRow& row);  // ignored (returns 0) if effect_key exists
  // Claims up to `limit` due rows by (due_at, id), leasing them until `lease_until`.
  std::vector<OutboxRow> claim_outbox(TimePoint now, TimePoint lease_until, int limit);
  void complete_outbox(std::int64_t id, TimePoint at);
  void defer_outbox(std::int64_t id, TimePoint due_at, std::string_view error);
  void give_up_outbox(std::int64_t id, TimePoint at, std::string_view error);
  std::int64_t outbox_depth();
  // Right to disconnect: a mail waits for `address`'s working hours (not an attempt).
  void hold_outbox(std::int64_t id, TimePoint until, std::string_view address);
  // The mail rows held for `address` and due by `now`, not done, free or in `lead`'s digest.
  std::vector<OutboxRow> held_due(std::string_view address, std::int64_t lead, TimePoint now);
  // The row, if not done yet (a digest may have carried it since it was claimed).
  std::optional<OutboxRow> pending_outbox(std::int64_t id);
  // A held row that now leads a digest of its own.
  void lead_digest(std::int64_t id);
  // A held row carried by `lead`'s digest: out of the queue until the digest is done.
  void join_digest(std::int64_t id, std::int64_t lead, TimePoint out_of_queue_until);
  // The rows `lead`'s digest carried, back on their own, due at `at` (the lead went another way).
  void release_digest(std::int64_t lead, TimePoint at);
  // A row out of a digest, due at `at` on its own.
  void leave_digest(std::int64_t id, TimePoint at);

  // ---- timers
  void replace_timers(std::int64_t request_id, const std::vector<Timer>& timers);
  std::vector<TimerRow> claim_timers(TimePoint now, TimePoint lease_until, int limit);
  void delete_timer(std::int64_t id);
  // Forgets every lease: at start, the leases held by a previous process that died are void.
  // (With one relaisd per SQLite store no other holder can exist.)
  void release_leases();
  // The earliest due time among pending outbox rows and timers, for re-arming the wake-up.
  std::optional<TimePoint> next_due();

  // ---- link tokens
  void insert_token(const TokenRow& t);
  std::optional<TokenRow> find_token(std::string_view hash);
  // Marks the token used, only if it is still unused: false if someone used it first.
  bool use_token(std::int64_t id, TimePoint at, std::string_view used_for);

  // ---- takedown cases (store_cases.cpp)
  std::string next_case_reference(int year);  // "DI-2026-0007", gap-free per year
  std::int64_t insert_case(const TakedownCase& c);
  std::optional<TakedownCase> load_case(std::int64_t id);
  std::optional<TakedownCase> find_case(std::string_view id_or_reference);
  // The case whose requester's first mail had that Message-ID.
  std::optional<std::int64_t> case_of_thread(std::string_view message_id);
  std::vector<TakedownCase> list_cases(std::optional<CaseState> state, int limit);
  // Compare-and-set on version: false when the stored version is not c.version - 1.
  bool save_case(const TakedownCase& c);
  void insert_case_evidence(std::int64_t case_id, int position, const MediaRow& file,
                            bool compared);
  std::vector<MediaRow> case_evidence(std::int64_t case_id);  // request_id holds the case id
  std::int64_t insert_case_match(const CaseMatch& m);
  std::vector<CaseMatch> case_matches(std::int64_t case_id);
  std::optional<CaseMatch> load_case_match(std::int64_t id);
  void confirm_case_match(std::int64_t match_id, const std::string& by, TimePoint at);
  // Cases in `matched` with a confirmed match on this request.
  std::vector<std::int64_t> cases_waiting_on(std::int64_t request_id);
  void replace_case_timers(std::int64_t case_id, const std::vector<CaseTimerRow>& timers);
  std::vector<CaseTimerRow> claim_case_timers(TimePoint now, TimePoint lease_until, int limit);
  void delete_case_timer(std::int64_t id);
  void insert_case_token(const CaseTokenRow& t);
  std::optional<CaseTokenRow> find_case_token(std::string_view hash);
  bool use_case_token(std::int64_t id, TimePoint at);

  // ---- media that may never be published again
  void block_media(const MediaRow& m, std::int64_t case_id, TimePoint at);
  // The reference of the case that blocked this file (same SHA-256, or a perceptual hash
  // within max_distance), if any.
  std::optional<std::string> blocking_case(std::string_view sha256,
                                           const std::optional<ImageHashes>& hashes,
                                           int max_distance);
  // Media of requests that are or were public (scheduled, publishing, published, failed,
  // taken_down), with their request's state: what a takedown can match.
  struct PublicMedia {
    MediaRow media;
    State request_state = State::published;
  };
  std::vector<PublicMedia> public_media();
  // Requests with a channel post at this exact URL.
  std::vector<std::int64_t> requests_with_post_url(std::string_view url);
  // The most recently published requests, newest first.
  std::vector<std::int64_t> recent_publications(int limit);

  // ---- answers by mail and automatic mail (store_people.cpp)
  // The link token a mail relais sent carried, found by that mail's Message-ID.
  std::optional<TokenRow> token_of_sent_mail(std::string_view message_id);
  struct Absence {
    std::string address;  // lower case
    TimePoint starts_at{}, until{};
    std::string source;  // "mail:<message-id>", "cli"
  };
  // Records an absence (and its audit row); a newer one for the same person replaces what is
  // left of the older.
  void set_absence(const Absence& a, std::string_view actor, TimePoint at);
  std::optional<Absence> absence_at(std::string_view address, TimePoint at);
  // The absences not over at `at` (current and coming), by start.
  std::vector<Absence> absences_after(TimePoint at);
  // The person is back: what is left of their absences ends at `at` (audited). False: none.
  bool end_absence(std::string_view address, std::string_view actor, std::string_view source,
                   TimePoint at);
  struct FailingAddress {
    std::string address;  // lower case
    std::string status;   // the DSN's status code, "5.1.1"
    std::string diagnostic;
    std::string message_id;  // relais's mail that was not delivered, when the report names it
    TimePoint first_at{}, at{};
    std::optional<TimePoint> alerted_at;  // when the administrator was last told
  };
  // Records the report (and its audit row); returns the mark the address had before, if any.
  std::optional<FailingAddress> mark_failing(const FailingAddress& f);
  std::vector<FailingAddress> failing_addresses();
  void mark_failing_alerted(std::string_view address, TimePoint at);
  // Whether relais sent the mail `message_id` to `address`.
  bool sent_to(std::string_view message_id, std::string_view address);

  // ---- signed inbound webhooks (store_people.cpp)
  struct HookCall {
    std::string body_sha256;
    std::string answer;  // the JSON of the 202
  };
  // An earlier accepted call with this idempotency key, if any.
  std::optional<HookCall> hook_call(std::string_view hook, std::string_view key);
  // False when the signature was seen already (a replay); else records it, forgetting those
  // older than `forget_before`.
  bool first_hook_signature(std::string_view signature, TimePoint at, TimePoint forget_before);
  // Records an accepted call; forgets calls older than `forget_before`.
  void record_hook_call(std::string_view hook, std::string_view key, const HookCall& call,
                        TimePoint at, TimePoint forget_before);

  // ---- quarantine
  void insert_quarantine(const QuarantineRow& q);
  std::vector<QuarantineRow> list_quarantine();

  // ---- IMAP mailboxes read (store_imap.cpp): the last UID stored, under a UIDVALIDITY
  struct ImapPosition {
    std::uint32_t uid_validity = 0;
    std::uint32_t last_uid = 0;
  };
  std::optional<ImapPosition> imap_position(std::string_view account, std::string_view mailbox);
  void set_imap_position(std::string_view account, std::string_view mailbox, ImapPosition p,
                         TimePoint at);

  // ---- takedown form rate limit (store_forms.cpp); key: an opaque string, e.g. a hash
  int count_form_hits(std::string_view key, TimePoint since);  // hits at or after `since`
  void add_form_hit(std::string_view key, TimePoint at);
  void prune_form_hits(TimePoint before);  // forgets every hit older than `before`

  // ---- consent registry (store_consent.cpp). Every change also appends an audit row of kind
  // `consent`, whose detail names ids only (no name, no address: the record outlives them).
  std::int64_t add_person(const PersonRow& p, const std::string& actor, const std::string& source);
  std::optional<PersonRow> load_person(std::int64_t id);
  std::optional<PersonRow> find_person_by_email(std::string_view email);  // any case
  // The same name ignoring case (ASCII and Latin-1 letters) and extra spaces; in id order.
  std::vector<PersonRow> find_persons_by_name(std::string_view name);
  // Persons whose folded name (5 characters or more) appears in the folded text, or whose
  // address is `address` (any case; empty: not used), with how: "name" or "email".
  std::vector<std::pair<std::int64_t, std::string>> persons_named_in(std::string_view text,
                                                                     std::string_view address);
  std::int64_t add_consent(const ConsentRow& c, const std::string& actor,
                           const std::string& source);
  std::optional<ConsentRow> load_consent(std::int64_t id);
  // Every consent (person_id empty) or one person's, in id order.
  std::vector<ConsentRow> list_consents(std::optional<std::int64_t> person_id);
  // Sets revoked_at/revoked_by; false (nothing recorded) when unknown or already revoked.
  // CaseDesk::revoke_consent does this and also takes the publications down.
  bool revoke_consent(std::int64_t id, const std::string& by, const std::string& source,
                      TimePoint at);
  // Appends a line to the consent's note (e.g. why it was revoked).
  void add_consent_note(std::int64_t id, std::string_view line, const std::string& actor,
                        const std::string& source, TimePoint at);
  // false (nothing recorded) when that exact link exists already.
  bool link_person(const PersonMediaRow& link, const std::string& actor);
  std::vector<std::int64_t> requests_of_person(std::int64_t person_id);  // ascending

  // The dashboard (store_dashboard.cpp): one-time login links, sessions, calendar feeds.
  struct DashboardSession {
    std::string address;
    std::string csrf;
    TimePoint expires_at{};
  };
  void insert_login(std::string_view token_sha256, std::string_view address, TimePoint at,
                    TimePoint expires_at);
  // The address a login link opens a session for, once: nullopt when unknown, used or expired.
  std::optional<std::string> use_login(std::string_view token_sha256, TimePoint at);
  void insert_session(std::string_view token_sha256, const DashboardSession& s, TimePoint at);
  std::optional<DashboardSession> find_session(std::string_view token_sha256, TimePoint at);
  void end_session(std::string_view token_sha256, TimePoint at);
  // Forgets logins and sessions over before `before`.
  void prune_dashboard(TimePoint before);
  int calendar_generation(std::string_view address);  // 0 when none was made
  int next_calendar_generation(std::string_view address, TimePoint at);

  Database& db() { return db_; }

 private:
  Database db_;
};

// Milliseconds since the epoch, for storage.
std::int64_t to_millis(TimePoint t);
TimePoint from_millis(std::int64_t ms);

}  // namespace relais::workflow
