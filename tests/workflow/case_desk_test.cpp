// The takedown desk on a real SQLite file: what each kind of request matches, what is removed
// at once and what waits for the referent, the case's states to `closed`, links used once,
// barred media, consent revocation, and the audit rows all of it leaves.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "workflow/approval_token.hpp"
#include "workflow/case_desk.hpp"
#include "workflow/case_matching.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

struct Fixture {
  fs::path dir;
  std::unique_ptr<Store> store;
  Engine engine{Policy{}};
  CaseDesk desk{engine, CaseSettings{}};

  Fixture() {
    static int n = 0;
    dir = fs::temp_directory_path() /
          ("relais-case-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = std::make_unique<Store>(dir / "relais.db", Database::Mode::read_write);
    store->migrate();
    store->begin();
  }
  ~Fixture() {
    store.reset();
    fs::remove_all(dir);
  }

  Event ev(EventKind k, std::string channel = "site") {
    Event e;
    e.kind = k;
    e.at = kNow;
    e.actor = "test";
    e.source = "unit";
    e.channel = std::move(channel);
    e.post_id = "p";
    e.post_url = "https://site.example/index.html#x";
    return e;
  }

  // A published request with one photo of the given hashes.
  Request published(std::uint64_t phash, std::string sha = "") {
    Request d;
    d.sender = "agent@example.org";
    d.subject = "Fête";
    d.text = "Une fête de quartier réussie.";
    auto r = engine.create(*store, d, ev(EventKind::submitted));
    if (sha.empty())
      sha = std::string(64, static_cast<char>('a' + r.id % 6));
    store->insert_media(
        {0, r.id, 0, sha, "image/jpeg", "p.jpg", 100, ImageHashes{phash, ~phash, 1600, 1200}});
    engine.handle(*store, r.id, ev(EventKind::checks_started));
    engine.handle(*store, r.id, ev(EventKind::checks_done));
    engine.handle(*store, r.id, ev(EventKind::approve));
    engine.handle(*store, r.id, ev(EventKind::publish_due));
    Event done = ev(EventKind::channel_published);
    done.post_url = "https://site.example/index.html#" + r.reference;
    engine.handle(*store, r.id, done);
    return *store->load_request(r.id);
  }

  CaseDraft draft(std::string text) {
    CaseDraft d;
    d.origin = "mail";
    d.requester = "someone@elsewhere.net";
    d.text = std::move(text);
    d.actor = "requester:someone@elsewhere.net";
    d.source = "mail:<x@y>";
    return d;
  }

  void remove_site(const Request& r) {
    engine.handle(*store, r.id, ev(EventKind::channel_removed));
    desk.request_progressed(*store, r.id, kNow);
  }

  std::vector<std::string> mails() {
    std::vector<std::string> out;
    auto s = store->db().prepare("SELECT payload FROM outbox WHERE kind = 'mail' ORDER BY id");
    while (s.step())
      out.push_back(s.text(0));
    return out;
  }
};

bool contains(const std::vector<std::string>& v, std::string_view needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("URLs and references are read from free text") {
  CHECK(urls_in("voir https://www.facebook.com/ville/posts/123. Merci") ==
        std::vector<std::string>{"https://www.facebook.com/ville/posts/123"});
  CHECK(urls_in("(http://127.0.0.1:8080/site/index.html#pub-2026-0001)") ==
        std::vector<std::string>{"http://127.0.0.1:8080/site/index.html#pub-2026-0001"});
  CHECK(urls_in("pas de lien, httpfoo, http:/") == std::vector<std::string>{});
  CHECK(references_in("Réf. PUB-2026-0042 et pub-2026-0043-1.jpg, PUB-2026-0042 encore") ==
        std::vector<std::string>{"PUB-2026-0042", "PUB-2026-0043"});
  CHECK(references_in("XPUB-2026-0042 PUB-26-0001 PUB-2026-01").empty());
  CHECK(normalize_url("HTTPS://Example.ORG:443/a/") == "https://example.org/a");
  CHECK(normalize_url("http://example.org/") == "http://example.org");
}

TEST_CASE("a reference in the text removes the publication at once and the case runs to closed") {
  Fixture f;
  auto r = f.published(0x0123456789abcdefULL);
  auto opened = f.desk.open(*f.store, f.draft("Merci de retirer " + r.reference), kNow);
  CHECK(opened.takedown.reference.starts_with("DI-2026-"));
  CHECK(opened.takedown.state == CaseState::matched);
  REQUIRE(opened.matches.size() == 1);
  CHECK(opened.matches[0].basis == "reference");
  CHECK(opened.matches[0].certain);
  CHECK(opened.matches[0].confirmed_at);
  auto after = *f.store->load_request(r.id);
  CHECK(after.state == State::taken_down);
  CHECK(after.channel("site")->status == ChannelStatus::removing);
  CHECK(f.store->blocking_case(std::string(64, static_cast<char>('a' + r.id % 6)), std::nullopt,
                               10) == opened.takedown.reference);
  CHECK(contains(f.mails(), "takedown_ack"));
  CHECK(contains(f.mails(), "takedown_referent"));

  f.remove_site(after);
  auto c = *f.store->load_case(opened.takedown.id);
  CHECK(c.state == CaseState::executed);
  CHECK(contains(f.mails(), "takedown_done"));
  CHECK(contains(f.mails(), "takedown_agent"));
  CHECK(contains(f.mails(), "takedown_executed"));

  f.desk.answer_sent(*f.store, c.id, kNow + 1s);
  CHECK(f.store->load_case(c.id)->state == CaseState::answered);
  auto timers = f.store->claim_case_timers(kNow + std::chrono::days(15), kNow + 1000h, 10);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].kind == CaseTimerKind::close);
  f.desk.timer_fired(*f.store, timers[0], kNow + std::chrono::days(15));
  CHECK(f.store->load_case(c.id)->state == CaseState::closed);
  CHECK(!f.store->verify_audit_chain());
  auto rows = f.store->db().prepare("SELECT count(*) FROM audit WHERE case_id = ?");
  rows.bind_all(c.id);
  rows.step();
  CHECK(rows.int64(0) >= 5);  // opened, matched, removed_everywhere, answer_sent, closed
}

TEST_CASE("the post's URL matches; another publication is left alone") {
  Fixture f;
  auto a = f.published(1);
  auto b = f.published(2);
  auto opened = f.desk.open(
      *f.store, f.draft("La photo https://site.example/index.html#" + a.reference + " svp"), kNow);
  CHECK(f.store->load_request(a.id)->state == State::taken_down);
  CHECK(f.store->load_request(b.id)->state == State::published);
  CHECK(opened.matches[0].basis == "url");
}

TEST_CASE("a near-identical photo is certain; a merely close one goes to the referent") {
  Fixture f;
  const std::uint64_t h = 0xF0F0F0F0F0F0F0F0ULL;
  auto a = f.published(h);
  auto b = f.published(0x00FF00FF00FF00FFULL);
  CaseDraft d = f.draft("");
  d.evidence.push_back({"e1", "image/jpeg", "c.jpg", 10, ImageHashes{h ^ 0b111, 0, 800, 600}});
  auto opened = f.desk.open(*f.store, d, kNow);
  CHECK(opened.takedown.state == CaseState::matched);
  CHECK(f.store->load_request(a.id)->state == State::taken_down);
  CHECK(f.store->load_request(b.id)->state == State::published);

  // Distance 14: not the same photo for sure, but worth showing.
  CaseDraft d2 = f.draft("");
  d2.evidence.push_back(
      {"e2", "image/jpeg", "d.jpg", 10, ImageHashes{0x00FF00FF00FF00FFULL ^ 0x3FFFULL, 0, 1, 1}});
  auto second = f.desk.open(*f.store, d2, kNow);
  CHECK(second.takedown.state == CaseState::unmatched);
  REQUIRE(second.matches.size() == 1);
  CHECK(!second.matches[0].certain);
  CHECK(second.matches[0].distance == 14);
  CHECK(f.store->load_request(b.id)->state == State::published);

  // The referent confirms through the link: removed, and the link is spent.
  const std::string raw =
      f.desk.issue_link(*f.store, second.takedown, second.matches[0].id, "confirm_removal",
                        "referent@example.org", random_token_bytes(), kNow);
  CHECK(!f.desk.link_problem(*f.store, token_hash(raw), "confirm_removal", kNow));
  auto done = f.desk.confirm_removal(*f.store, token_hash(raw), "referent:r", kNow);
  REQUIRE(std::holds_alternative<TakedownCase>(done));
  CHECK(std::get<TakedownCase>(done).state == CaseState::matched);
  CHECK(f.store->load_request(b.id)->state == State::taken_down);
  auto twice = f.desk.confirm_removal(*f.store, token_hash(raw), "referent:r", kNow);
  CHECK(std::holds_alternative<std::string>(twice));
}

TEST_CASE("nothing found: the referent gets recent publications and can declare no match") {
  Fixture f;
  auto a = f.published(1);
  auto opened = f.desk.open(*f.store, f.draft("Je suis sur une photo."), kNow);
  CHECK(opened.takedown.state == CaseState::unmatched);
  REQUIRE(opened.matches.size() == 1);
  CHECK(opened.matches[0].basis == "recent");
  CHECK(opened.matches[0].request_id == a.id);
  CHECK(f.store->load_request(a.id)->state == State::published);

  const std::string raw =
      f.desk.issue_link(*f.store, opened.takedown, std::nullopt, "declare_unmatched",
                        "referent@example.org", random_token_bytes(), kNow);
  CHECK(f.desk.link_problem(*f.store, token_hash(raw), "confirm_removal", kNow));
  auto done = f.desk.declare_unmatched(*f.store, token_hash(raw), "referent:r", kNow);
  REQUIRE(std::holds_alternative<TakedownCase>(done));
  CHECK(contains(f.mails(), "takedown_not_found"));
  f.desk.answer_sent(*f.store, opened.takedown.id, kNow);
  CHECK(f.store->load_case(opened.takedown.id)->state == CaseState::answered);
}

TEST_CASE("a form request with nothing certain waits for its address to be confirmed") {
  Fixture f;
  f.published(1);
  CaseDraft d = f.draft("Je suis sur une photo.");
  d.origin = "form";
  d.email_confirmed = false;
  auto opened = f.desk.open(*f.store, d, kNow);
  CHECK(opened.needs_email_confirmation);
  CHECK(opened.takedown.state == CaseState::received);
  CHECK(contains(f.mails(), "takedown_confirm_email"));
  CHECK(!contains(f.mails(), "takedown_referent"));

  const std::string raw =
      f.desk.issue_link(*f.store, opened.takedown, std::nullopt, "confirm_email", d.requester,
                        random_token_bytes(), kNow);
  CHECK(f.desk.link_problem(*f.store, token_hash(raw), "confirm_email", kNow + 200h));  // expired
  auto confirmed = f.desk.confirm_email(*f.store, token_hash(raw), kNow + 1min);
  REQUIRE(std::holds_alternative<TakedownCase>(confirmed));
  CHECK(std::get<TakedownCase>(confirmed).state == CaseState::unmatched);
  CHECK(std::get<TakedownCase>(confirmed).email_confirmed);
  CHECK(contains(f.mails(), "takedown_referent"));
}

TEST_CASE("the requester writes again: a reference in the new mail removes the publication") {
  Fixture f;
  auto a = f.published(1);
  auto b = f.published(0xF0F0F0F0F0F0F0F0ull);
  auto opened = f.desk.open(*f.store, f.draft("Je suis sur une photo."), kNow);
  REQUIRE(opened.takedown.state == CaseState::unmatched);

  CaseDraft more = f.draft("Pardon, c'est " + b.reference + ".");
  more.subject = "Re: votre demande";
  auto after = f.desk.requester_wrote(*f.store, opened.takedown.id, more, kNow + 1h);
  REQUIRE(after);
  CHECK(after->state == CaseState::matched);
  CHECK(after->text.find(b.reference) != std::string::npos);
  CHECK(f.store->load_request(b.id)->state == State::taken_down);
  CHECK(f.store->load_request(a.id)->state == State::published);
  f.remove_site(b);
  CHECK(f.store->load_case(opened.takedown.id)->state == CaseState::executed);
  CHECK(contains(f.mails(), "takedown_done"));
  bool wrote = false;
  for (const auto& row : f.store->audit_rows(std::nullopt, opened.takedown.id))
    wrote = wrote || row.event == "requester_wrote";
  CHECK(wrote);

  // Writing again names nothing new: the referent is told, nothing else moves.
  const auto before = f.mails().size();
  after = f.desk.requester_wrote(*f.store, opened.takedown.id, f.draft("Merci !"), kNow + 2h);
  REQUIRE(after);
  CHECK(after->state == CaseState::executed);
  CHECK(f.mails().size() == before + 1);
  CHECK(f.mails().back().find("takedown_referent") != std::string::npos);
}

TEST_CASE("a mail to an unconfirmed form case confirms nothing and troubles no referent") {
  Fixture f;
  f.published(1);
  auto b = f.published(0xF0F0F0F0F0F0F0F0ull);
  CaseDraft d = f.draft("Je suis sur une photo.");
  d.origin = "form";
  d.email_confirmed = false;
  auto opened = f.desk.open(*f.store, d, kNow);
  REQUIRE(opened.takedown.state == CaseState::received);
  auto after = f.desk.requester_wrote(*f.store, opened.takedown.id, f.draft("Voici."), kNow);
  REQUIRE(after);
  CHECK_FALSE(after->email_confirmed);
  CHECK(after->state == CaseState::received);
  CHECK(!contains(f.mails(), "takedown_referent"));
  CHECK(!contains(f.mails(), "takedown_ack"));
  // A certain match needs no confirmation, as at opening.
  after = f.desk.requester_wrote(*f.store, opened.takedown.id, f.draft("C'est " + b.reference),
                                 kNow + 1min);
  REQUIRE(after);
  CHECK(after->state == CaseState::matched);
  CHECK(f.store->load_request(b.id)->state == State::taken_down);
  CHECK(contains(f.mails(), "takedown_ack"));
}

TEST_CASE("a closed case is not reopened by a late mail") {
  Fixture f;
  auto opened = f.desk.open(*f.store, f.draft("Je suis sur une photo."), kNow);
  auto c = *f.store->load_case(opened.takedown.id);
  c.state = CaseState::closed;
  c.version += 1;
  REQUIRE(f.store->save_case(c));
  CHECK_FALSE(f.desk.requester_wrote(*f.store, c.id, f.draft("Encore moi."), kNow + 1h));
}

TEST_CASE("automatic removal can be turned off: certain matches then wait for the referent") {
  Fixture f;
  CaseSettings s;
  s.automatic = false;
  CaseDesk desk(f.engine, s);
  auto a = f.published(1);
  auto opened = desk.open(*f.store, f.draft(a.reference), kNow);
  CHECK(opened.takedown.state == CaseState::matched);
  CHECK(!opened.matches[0].confirmed_at);
  CHECK(f.store->load_request(a.id)->state == State::published);
}

TEST_CASE("deadline reminders fire while the case is open, not after") {
  Fixture f;
  auto opened = f.desk.open(*f.store, f.draft("rien"), kNow);
  auto timers = f.store->claim_case_timers(kNow + std::chrono::days(31), kNow + 1000h, 10);
  REQUIRE(timers.size() == 3);  // 7 days before, the day before, the deadline
  CHECK(timers[0].kind == CaseTimerKind::reminder);
  CHECK(timers[2].kind == CaseTimerKind::overdue);
  f.desk.timer_fired(*f.store, timers[0], kNow + std::chrono::days(23));
  CHECK(contains(f.mails(), "takedown_reminder"));
  f.desk.timer_fired(*f.store, timers[2], kNow + std::chrono::days(30));
  CHECK(contains(f.mails(), "takedown_overdue"));
  CHECK(f.store->load_case(opened.takedown.id)->state == CaseState::unmatched);
}

TEST_CASE("revoking a consent takes down every live publication of that person") {
  Fixture f;
  auto a = f.published(1);
  auto b = f.published(2);
  auto c = f.published(3);
  auto& db = f.store->db();
  db.exec(
      "INSERT INTO persons (id, name, email, created_at) VALUES (1, 'Jeanne Martin', "
      "'jeanne@elsewhere.net', 0)");
  db.exec(
      "INSERT INTO consents (id, person_id, scope, given_at, created_at) VALUES "
      "(1, 1, 'period', 0, 0)");
  for (auto id : {a.id, b.id}) {
    db.prepare("INSERT INTO person_media (person_id, request_id, at) VALUES (1, ?, 0)")
        .bind_all(id)
        .run();
  }
  auto result = f.desk.revoke_consent(*f.store, 1, "cli:admin", kNow);
  REQUIRE(std::holds_alternative<std::optional<TakedownCase>>(result));
  const auto& opened = std::get<std::optional<TakedownCase>>(result);
  REQUIRE(opened);
  CHECK(opened->origin == "consent");
  CHECK(f.store->load_request(a.id)->state == State::taken_down);
  CHECK(f.store->load_request(b.id)->state == State::taken_down);
  CHECK(f.store->load_request(c.id)->state == State::published);
  CHECK(std::holds_alternative<std::string>(f.desk.revoke_consent(*f.store, 1, "cli", kNow)));
}

TEST_CASE("the case table allows only the SPEC's path") {
  CHECK(case_step_allowed(CaseState::received, "matched", CaseState::matched));
  CHECK(case_step_allowed(CaseState::matched, "removed_everywhere", CaseState::executed));
  CHECK(case_step_allowed(CaseState::executed, "answer_sent", CaseState::answered));
  CHECK(case_step_allowed(CaseState::answered, "closed", CaseState::closed));
  CHECK(!case_step_allowed(CaseState::closed, "matched", CaseState::matched));
  CHECK(!case_step_allowed(CaseState::received, "closed", CaseState::closed));
  CHECK(!case_step_allowed(CaseState::unmatched, "removed_everywhere", CaseState::executed));
}
