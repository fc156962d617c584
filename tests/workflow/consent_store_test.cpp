// The consent registry in the store: persons found by id, address and name (any case, French
// letters included), consents of both scopes, revocation once, links between persons and
// requests, and the audit row each change leaves (ids only, no names or addresses).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "workflow/consent.hpp"
#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

struct Registry {
  fs::path dir;
  std::unique_ptr<Store> store;
  std::int64_t request = 0, other = 0;

  Registry() {
    static int counter = 0;
    dir = fs::temp_directory_path() / fmt::format("relais-consent-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = std::make_unique<Store>(dir / "relais.db", Database::Mode::read_write);
    store->migrate();
    store->begin();
    request = add_request();
    other = add_request();
  }
  ~Registry() {
    store.reset();
    fs::remove_all(dir);
  }

  std::int64_t add_request() {
    Request r;
    r.reference = store->next_reference(2026);
    r.state = State::published;
    r.sender = "agent@example.org";
    r.created_at = r.updated_at = kNow;
    return store->insert_request(r);
  }

  std::int64_t person(std::string name, std::string email = "") {
    return store->add_person({0, std::move(name), std::move(email), "", kNow}, "cli:alice", "cli");
  }

  std::vector<AuditRow> consent_rows() {
    std::vector<AuditRow> out;
    for (auto& r : store->audit_rows(std::nullopt, std::nullopt)) {
      if (r.kind == "consent")
        out.push_back(std::move(r));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("persons are found by id, by address in any case, and by name in any case") {
  Registry reg;
  const auto lea = reg.person("Léa Dupont", "Lea.Dupont@Example.org");
  const auto elodie = reg.person("ÉLODIE  Martin");
  const auto other_lea = reg.person("léa dupont");

  const auto loaded = reg.store->load_person(lea);
  REQUIRE(loaded);
  CHECK(loaded->name == "Léa Dupont");
  CHECK(loaded->email == "lea.dupont@example.org");  // addresses are kept in lowercase
  CHECK(loaded->created_at == kNow);
  CHECK_FALSE(reg.store->load_person(999));

  CHECK(reg.store->find_person_by_email("LEA.DUPONT@example.ORG")->id == lea);
  CHECK_FALSE(reg.store->find_person_by_email("lea@example.org"));
  CHECK_FALSE(reg.store->find_person_by_email(""));  // persons without address never match

  const auto leas = reg.store->find_persons_by_name("  LÉA   DUPONT ");
  REQUIRE(leas.size() == 2);
  CHECK(leas[0].id == lea);
  CHECK(leas[1].id == other_lea);
  const auto elodies = reg.store->find_persons_by_name("élodie martin");
  REQUIRE(elodies.size() == 1);
  CHECK(elodies[0].id == elodie);
  CHECK(reg.store->find_persons_by_name("Lea Dupont").empty());  // é is not e
  CHECK(reg.store->find_persons_by_name("Dupont").empty());
}

TEST_CASE("consents of both scopes, listed all or per person") {
  Registry reg;
  const auto lea = reg.person("Léa Dupont", "lea@example.org");
  const auto tom = reg.person("Tom Petit");

  ConsentRow one;
  one.person_id = lea;
  one.scope = ConsentScope::request;
  one.request_id = reg.request;
  one.evidence_sha256 = std::string(64, 'e');
  one.evidence_name = "accord signé.pdf";
  one.given_at = one.created_at = kNow;
  const auto c1 = reg.store->add_consent(one, "cli:alice", "cli");

  ConsentRow period;
  period.person_id = tom;
  period.scope = ConsentScope::period;
  period.valid_from = kNow;
  period.expires_at = kNow + 24h * 365;
  period.given_at = period.created_at = kNow;
  period.minor = true;
  period.note = "Accord des parents.";
  const auto c2 = reg.store->add_consent(period, "cli:alice", "cli");

  const auto loaded = reg.store->load_consent(c1);
  REQUIRE(loaded);
  CHECK(loaded->person_id == lea);
  CHECK(loaded->scope == ConsentScope::request);
  CHECK(loaded->request_id == reg.request);
  CHECK_FALSE(loaded->valid_from);
  CHECK_FALSE(loaded->expires_at);
  CHECK(loaded->evidence_sha256 == std::string(64, 'e'));
  CHECK(loaded->evidence_name == "accord signé.pdf");
  CHECK_FALSE(loaded->minor);
  CHECK_FALSE(loaded->revoked_at);
  CHECK(loaded->active_at(kNow + 24h * 3650));

  const auto p = reg.store->load_consent(c2);
  REQUIRE(p);
  CHECK(p->scope == ConsentScope::period);
  CHECK_FALSE(p->request_id);
  CHECK(p->valid_from == kNow);
  CHECK(p->expires_at == kNow + 24h * 365);
  CHECK(p->minor);
  CHECK(p->note == "Accord des parents.");
  CHECK(p->active_at(kNow));
  CHECK_FALSE(p->active_at(kNow + 24h * 365));

  CHECK(reg.store->list_consents(std::nullopt).size() == 2);
  const auto of_tom = reg.store->list_consents(tom);
  REQUIRE(of_tom.size() == 1);
  CHECK(of_tom[0].id == c2);
  CHECK(reg.store->list_consents(999).empty());
  CHECK_FALSE(reg.store->load_consent(999));
}

TEST_CASE("a consent is revoked once, and notes accumulate") {
  Registry reg;
  const auto lea = reg.person("Léa Dupont");
  ConsentRow c;
  c.person_id = lea;
  c.given_at = c.created_at = kNow;
  const auto id = reg.store->add_consent(c, "cli:alice", "cli");

  CHECK(reg.store->revoke_consent(id, "cli:bob", "cli", kNow + 1h));
  const auto revoked = reg.store->load_consent(id);
  CHECK(revoked->revoked_at == kNow + 1h);
  CHECK(revoked->revoked_by == "cli:bob");
  CHECK_FALSE(revoked->active_at(kNow + 2h));
  CHECK_FALSE(reg.store->revoke_consent(id, "cli:eve", "cli", kNow + 2h));  // already
  CHECK(reg.store->load_consent(id)->revoked_by == "cli:bob");
  CHECK_FALSE(reg.store->revoke_consent(999, "cli:bob", "cli", kNow));

  reg.store->add_consent_note(id, "Retrait : demande orale.", "cli:bob", "cli", kNow + 1h);
  reg.store->add_consent_note(id, "Confirmé par écrit.", "cli:bob", "cli", kNow + 2h);
  CHECK(reg.store->load_consent(id)->note == "Retrait : demande orale.\nConfirmé par écrit.");
}

TEST_CASE("persons are linked to requests once, and their requests are listed") {
  Registry reg;
  const auto lea = reg.person("Léa Dupont");
  CHECK(reg.store->link_person({lea, reg.other, std::nullopt, "cli", kNow}, "cli:alice"));
  CHECK(reg.store->link_person({lea, reg.request, std::nullopt, "declaration", kNow}, "agent"));
  CHECK_FALSE(reg.store->link_person({lea, reg.request, std::nullopt, "cli", kNow}, "cli:alice"));
  const auto media =
      reg.store->insert_media({0, reg.request, 0, std::string(64, 'a'), "image/jpeg", "p.jpg", 10});
  CHECK(reg.store->link_person({lea, reg.request, media, "referent", kNow}, "referent"));
  CHECK_FALSE(reg.store->link_person({lea, reg.request, media, "referent", kNow}, "referent"));
  CHECK(reg.store->requests_of_person(lea) == std::vector<std::int64_t>{reg.request, reg.other});
  CHECK(reg.store->requests_of_person(999).empty());
}

TEST_CASE("every registry change is a consent row of the audit record, naming ids only") {
  Registry reg;
  const auto lea = reg.person("Léa Dupont", "lea@example.org");
  ConsentRow c;
  c.person_id = lea;
  c.scope = ConsentScope::request;
  c.request_id = reg.request;
  c.given_at = c.created_at = kNow;
  const auto id = reg.store->add_consent(c, "cli:alice", "cli");
  reg.store->link_person({lea, reg.request, std::nullopt, "consent", kNow}, "cli:alice");
  reg.store->revoke_consent(id, "cli:bob", "cli", kNow + 1h);
  reg.store->add_consent_note(id, "Retrait demandé par Léa.", "cli:bob", "cli", kNow + 1h);
  reg.store->add_consent_note(999, "nothing", "cli:bob", "cli", kNow);  // unknown: no row

  const auto rows = reg.consent_rows();
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].event == "person_added");
  CHECK(rows[1].event == "consent_added");
  CHECK(rows[1].request_id == reg.request);
  CHECK(rows[2].event == "person_linked");
  CHECK(rows[3].event == "consent_revoked");
  CHECK(rows[3].actor == "cli:bob");
  CHECK(rows[4].event == "consent_noted");
  const auto added = boost::json::parse(rows[1].detail).as_object();
  CHECK(added.at("consent") == id);
  CHECK(added.at("person") == lea);
  CHECK(added.at("scope") == "request");
  for (const auto& r : rows) {
    CHECK(r.detail.find("Léa") == std::string::npos);
    CHECK(r.detail.find("lea@") == std::string::npos);
  }
  CHECK_FALSE(reg.store->verify_audit_chain());
}
