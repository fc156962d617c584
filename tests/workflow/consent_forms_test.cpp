// Consent forms sent with a request enter the consent registry: persons found or added, linked
// to the request, one request-scoped consent per form with the form as evidence; nothing when
// the checks did not accept the evidence, and nothing twice.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "workflow/consent.hpp"
#include "workflow/consent_forms.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

struct Db {
  fs::path dir;
  std::unique_ptr<Store> store;
  Request request;

  Db() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          fmt::format("relais-consent-forms-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = std::make_unique<Store>(dir / "relais.db", Database::Mode::read_write);
    store->migrate();
    store->begin();
    request.reference = store->next_reference(2026);
    request.state = State::awaiting_approval;
    request.sender = "agent@example.org";
    request.created_at = request.updated_at = kNow - 1h;
    request.declaration = {"Léa Dupont, Jules Martin (mineur)",
                           "oui, formulaires signés par Léa et les parents de Jules",
                           "",
                           {}};
    request.id = store->insert_request(request);
  }
  ~Db() {
    store.reset();
    fs::remove_all(dir);
  }

  std::vector<MediaRow> media(std::initializer_list<std::pair<const char*, const char*>> files) {
    std::vector<MediaRow> out;
    int position = 0;
    for (const auto& [name, type] : files) {
      MediaRow m;
      m.request_id = request.id;
      m.position = position++;
      m.sha256 = std::string(63, 'a') + static_cast<char>('0' + position);
      m.content_type = type;
      m.filename = name;
      out.push_back(m);
    }
    return out;
  }

  ConsentFormsRecorded record(const std::vector<MediaRow>& files,
                              const std::vector<Finding>& findings = {}) {
    return record_consent_forms(*store, request, files, findings, kNow, "system");
  }

  std::vector<ConsentRow> consents_of(const std::string& name) {
    const auto persons = store->find_persons_by_name(name);
    REQUIRE(persons.size() == 1);
    return store->list_consents(persons[0].id);
  }
};

}  // namespace

TEST_CASE("one form for everyone: each person named gets a consent for this request") {
  Db db;
  const auto files = db.media({{"IMG_0001.jpg", "image/jpeg"}, {"scan.pdf", "application/pdf"}});
  const auto done = db.record(files);
  CHECK(done.persons_added == 2);
  CHECK(done.links_added == 2);
  CHECK(done.consents_added == 2);

  const auto lea = db.consents_of("léa dupont");
  REQUIRE(lea.size() == 1);
  CHECK(lea[0].scope == ConsentScope::request);
  CHECK(lea[0].request_id == db.request.id);
  CHECK(lea[0].evidence_sha256 == files[1].sha256);
  CHECK(lea[0].evidence_name == "scan.pdf");
  CHECK(lea[0].given_at == db.request.created_at);
  CHECK_FALSE(lea[0].minor);
  CHECK(lea[0].note.find("PUB-2026-0001") != std::string::npos);
  CHECK(consent_covers(lea[0], db.request.id, kNow));
  CHECK_FALSE(consent_covers(lea[0], db.request.id + 1, kNow));
  const auto jules = db.consents_of("Jules Martin");
  REQUIRE(jules.size() == 1);
  CHECK(jules[0].minor);
  const auto person = db.store->find_persons_by_name("Jules Martin")[0].id;
  CHECK(db.store->requests_of_person(person) == std::vector<std::int64_t>{db.request.id});

  SUBCASE("the checks run again after a correction: nothing is recorded twice") {
    const auto again = db.record(files);
    CHECK(again.persons_added == 0);
    CHECK(again.links_added == 0);
    CHECK(again.consents_added == 0);
    CHECK(db.consents_of("Léa Dupont").size() == 1);
  }
}

TEST_CASE("a form named after a person is that person's; a person already known is reused") {
  Db db;
  const auto known =
      db.store->add_person({0, "LÉA  DUPONT", "lea@example.org", "", kNow - 48h}, "cli", "cli");
  const auto files = db.media({{"autorisation-dupont.pdf", "application/pdf"},
                               {"Autorisation_Jules_Martin.jpg", "image/jpeg"}});
  const auto done = db.record(files);
  CHECK(done.persons_added == 1);
  CHECK(done.consents_added == 2);
  const auto lea = db.store->list_consents(known);
  REQUIRE(lea.size() == 1);
  CHECK(lea[0].evidence_name == "autorisation-dupont.pdf");
  const auto jules = db.consents_of("Jules Martin");
  REQUIRE(jules.size() == 1);
  CHECK(jules[0].evidence_name == "Autorisation_Jules_Martin.jpg");
}

TEST_CASE("a form named after one person is never another's evidence") {
  Db db;
  const auto done = db.record(db.media({{"autorisation-lea.pdf", "application/pdf"}}));
  CHECK(done.persons_added == 2);
  CHECK(done.links_added == 2);
  CHECK(done.consents_added == 1);
  CHECK(db.consents_of("Léa Dupont").size() == 1);
  CHECK(db.consents_of("Jules Martin").empty());
}

TEST_CASE("nothing is recorded when the evidence was not accepted") {
  Db db;
  const auto form = db.media({{"scan.pdf", "application/pdf"}});
  SUBCASE("no form attached") {
    CHECK(db.record(db.media({{"IMG_0001.jpg", "image/jpeg"}})).consents_added == 0);
  }
  SUBCASE("a consent finding blocks") {
    CHECK(db.record(form, {{"consent.minors", Severity::blocking, "…"}}).consents_added == 0);
  }
  SUBCASE("a lifted consent finding no longer blocks") {
    CHECK(db.record(form, {{"people.faces_found", Severity::info, "…"}}).consents_added == 2);
  }
  SUBCASE("consent refused") {
    db.request.declaration.consent = "non";
    CHECK(db.record(form).consents_added == 0);
  }
  SUBCASE("consent not claimed") {
    db.request.declaration.consent = "";
    CHECK(db.record(form).consents_added == 0);
  }
  SUBCASE("no one identifiable") {
    db.request.declaration = {"aucune personne identifiable", "", "", {}};
    CHECK(db.record(form).consents_added == 0);
  }
}
