// The findings of run_checks, rule by rule, on facts as the analysis would measure them (the
// measures themselves are tested on real photos in image_analysis_test.cpp).
#include <doctest/doctest.h>

#include <algorithm>

#include "workflow/checks.hpp"
#include "workflow/declaration.hpp"

using namespace relais::workflow;
using namespace std::chrono;

namespace {

ImageAnalysis good_photo() {
  ImageAnalysis a;
  a.format = "jpeg";
  a.width = 4000;
  a.height = 3000;
  a.bytes = 3 << 20;
  a.sharpness = 400;
  a.exposure = {20, 120, 230};
  a.faces = 0;
  return a;
}

CheckInput clean_input() {
  CheckInput in;
  in.text = "Inauguration de la médiathèque samedi à 10 h, en présence des élus.";
  in.author = "Marie Curie";
  in.declaration.people = "aucune personne identifiable";
  in.media.push_back({"a.jpg", "image/jpeg", 3 << 20, "", good_photo()});
  in.channel_types = {"site"};
  in.submitted_at = in.now = TimePoint(sys_days(2026y / March / 16).time_since_epoch());
  return in;
}

const Finding* find(const std::vector<Finding>& f, std::string_view code) {
  auto it = std::find_if(f.begin(), f.end(), [&](const Finding& x) { return x.code == code; });
  return it == f.end() ? nullptr : &*it;
}

bool blocking(const std::vector<Finding>& f) {
  return std::any_of(f.begin(), f.end(),
                     [](const Finding& x) { return x.severity == Severity::blocking; });
}

}  // namespace

TEST_CASE("checks: a clean submission has no finding") {
  CHECK(run_checks(clean_input()).empty());
}

TEST_CASE("checks: text, author and attachments") {
  auto in = clean_input();
  in.text = "";
  in.author.clear();
  in.media.push_back({"notes.docx", "application/msword", 10});
  auto f = run_checks(in);
  REQUIRE(find(f, "text.missing"));
  CHECK(find(f, "text.missing")->severity == Severity::blocking);
  REQUIRE(find(f, "author.missing"));
  CHECK(find(f, "author.missing")->severity == Severity::blocking);
  REQUIRE(find(f, "media.unsupported"));
  CHECK(find(f, "media.unsupported")->message.find("notes.docx") != std::string::npos);

  in = clean_input();
  in.media.clear();
  in.author.clear();
  f = run_checks(in);
  CHECK(find(f, "media.missing"));
  CHECK_FALSE(find(f, "author.missing"));  // no photo, no credit needed
  CHECK_FALSE(blocking(f));
}

TEST_CASE("checks: image quality") {
  struct Case {
    const char* name;
    void (*change)(ImageAnalysis&);
    const char* code;
  };
  const Case cases[] = {
      {"small", [](ImageAnalysis& a) { a.width = 1024, a.height = 768; }, "image.too_small"},
      {"blurred", [](ImageAnalysis& a) { a.sharpness = 12; }, "image.blurred"},
      {"dark",
       [](ImageAnalysis& a) {
         a.exposure = {0, 8, 40};
       },
       "image.too_dark"},
      {"bright",
       [](ImageAnalysis& a) {
         a.exposure = {200, 250, 255};
       },
       "image.too_bright"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto in = clean_input();
    c.change(*in.media[0].image);
    const auto f = run_checks(in);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == c.code);
    CHECK(f[0].severity == Severity::blocking);
    CHECK(f[0].message.find("a.jpg") != std::string::npos);
  }
  auto in = clean_input();
  in.media[0].image->width = 1080;  // portrait 1080 x 1350: the short side is enough
  in.media[0].image->height = 1350;
  CHECK(run_checks(in).empty());
}

TEST_CASE("checks: unreadable and barred files") {
  auto in = clean_input();
  in.media[0].image.reset();
  in.media[0].unreadable = "the file is truncated";
  auto f = run_checks(in);
  REQUIRE(find(f, "media.unreadable"));
  CHECK(blocking(f));

  in = clean_input();
  in.media[0].blocked_by = "DI-2026-0003";
  in.overrides.push_back({"media.taken_down", "je sais", "referent:r@example.org", {}});
  f = run_checks(in);
  REQUIRE(find(f, "media.taken_down"));
  CHECK(find(f, "media.taken_down")->severity == Severity::blocking);  // never lifted
}

TEST_CASE("checks: network limits for the chosen channels") {
  auto in = clean_input();
  in.channel_types = {"x", "facebook", "linkedin", "mastodon"};
  in.media[0].image->bytes = 6 << 20;
  in.media[0].image->width = 8000;
  in.media[0].image->height = 6000;
  auto f = run_checks(in);
  CHECK(find(f, "limits.x.image_bytes"));
  CHECK(find(f, "limits.facebook.image_bytes"));
  CHECK(find(f, "limits.linkedin.image_pixels"));  // 48 MP > 36.15 MP
  CHECK(find(f, "limits.mastodon.image_pixels"));
  CHECK_FALSE(blocking(f));  // the referent decides to drop the channel or not

  in = clean_input();
  in.channel_types = {"x"};
  in.text = std::string(250, 'a') + " https://www.example.org/une/page/tres/longue/de/la/mairie";
  f = run_checks(in);
  CHECK_FALSE(find(f, "text.too_long.x"));  // 250 + 1 + 23
  in.text = std::string(281, 'a');
  f = run_checks(in);
  REQUIRE(find(f, "text.too_long.x"));
  CHECK(find(f, "text.too_long.x")->severity == Severity::blocking);
  in.channel_types = {"site"};
  CHECK(run_checks(in).empty());

  in = clean_input();
  in.channel_types = {"x"};
  for (int i = 0; i < 4; ++i)
    in.media.push_back(in.media[0]);
  VideoInfo v;
  v.container = "mov";
  v.duration_seconds = 200;
  v.bytes = 50 << 20;
  in.media.push_back({"film.mov", "video/quicktime", 50 << 20, "", std::nullopt, v});
  f = run_checks(in);
  CHECK(find(f, "limits.x.image_count"));
  CHECK(find(f, "limits.x.video_length"));
  CHECK(find(f, "limits.x.mixed_media"));
}

TEST_CASE("checks: people and consent") {
  auto with_faces = [] {
    auto in = clean_input();
    in.media[0].image->faces = 2;
    in.declaration = {};
    return in;
  };
  auto in = with_faces();
  CHECK(find(run_checks(in), "people.undeclared"));

  in = with_faces();
  in.declaration.people = "aucune personne identifiable";
  CHECK(find(run_checks(in), "people.faces_found"));

  in = with_faces();
  in.declaration.people = "Léa Dupont, Marc Martin";
  in.declaration.consent = "oui";
  auto f = run_checks(in);
  REQUIRE(find(f, "consent.missing"));
  CHECK(find(f, "consent.missing")->message.find("Léa Dupont et Marc Martin") != std::string::npos);

  // A signed form sent with the photos is evidence.
  in.media.push_back({"autorisation-dupont.pdf", "application/pdf", 1000});
  CHECK(run_checks(in).empty());

  // So is a standing consent in the registry, for every person named.
  in = with_faces();
  in.declaration.people = "Léa Dupont et Marc Martin";
  in.consented_names = {"LÉA DUPONT"};
  f = run_checks(in);
  REQUIRE(find(f, "consent.missing"));
  CHECK(find(f, "consent.missing")->message.find("Marc Martin") != std::string::npos);
  CHECK(find(f, "consent.missing")->message.find("Léa") == std::string::npos);
  in.consented_names.push_back("Marc Martin");
  CHECK(run_checks(in).empty());

  in = with_faces();
  in.declaration.people = "Jules Petit (mineur)";
  in.declaration.consent = "formulaire signé joint";
  in.media.push_back({"consentement.jpg", "image/jpeg", 1000});
  f = run_checks(in);
  CHECK(find(f, "consent.minors"));
  in.declaration.consent = "autorisation parentale signée jointe";
  CHECK(run_checks(in).empty());

  in = with_faces();
  in.declaration.people = "Léa Dupont";
  in.declaration.consent = "non";
  CHECK(find(run_checks(in), "consent.refused"));

  // People declared with no face found still need their consent.
  in = clean_input();
  in.declaration.people = "Léa Dupont";
  CHECK(find(run_checks(in), "consent.missing"));
}

TEST_CASE("checks: personal data is blocking until the referent lifts it") {
  auto in = clean_input();
  in.text += " Renseignements au 06 12 34 56 78 ou à lea.dupont@example.org.";
  auto f = run_checks(in);
  REQUIRE(find(f, "personal_data.phone"));
  REQUIRE(find(f, "personal_data.email"));
  CHECK(find(f, "personal_data.phone")->severity == Severity::blocking);
  CHECK(find(f, "personal_data.phone")->message.find("06 12 34 56 78") == std::string::npos);

  in.overrides.push_back({"personal_data.phone", "numéro de l'accueil de la mairie", "r", {}});
  f = run_checks(in);
  CHECK(find(f, "personal_data.phone")->severity == Severity::info);
  CHECK(find(f, "personal_data.phone")->message.find("accueil de la mairie") != std::string::npos);
  CHECK(find(f, "personal_data.email")->severity == Severity::blocking);

  SUBCASE("the agent's contest leaves it before the referent, as a warning") {
    in.overrides = {{"personal_data.email", "adresse du service", "agent:a@example.org", {}},
                    {"consent.missing", "j'ai les papiers", "agent:a@example.org", {}}};
    f = run_checks(in);
    const auto* email = find(f, "personal_data.email");
    CHECK(email->severity == Severity::warning);
    CHECK(email->message.find("Contesté par l'agent : adresse du service. En approuvant") !=
          std::string::npos);
    CHECK(find(f, "personal_data.phone")->severity == Severity::blocking);
    Finding lifted = *email;
    lift(lifted, "vu");
    CHECK(lifted.message.find("Contesté") == std::string::npos);
    CHECK(lifted.message.ends_with(" (Levé par le référent : vu.)"));
  }
}

TEST_CASE("checks: word lists, and political terms in a pre-election period") {
  Lexicon politics{"politique",
                   "political",
                   Severity::warning,
                   "des termes politiques",
                   {"votez pour", "candidat*"},
                   {}};
  Lexicon insults{"insultes", "insult", Severity::blocking, "des propos injurieux", {"abruti"}, {}};
  CheckPolicy policy;
  policy.lexicons = {insults, politics};
  auto in = clean_input();
  in.text = "Votez pour notre CANDIDATE aux municipales !";
  auto f = run_checks(in, policy);
  REQUIRE(find(f, "lexicon.politique"));
  CHECK(find(f, "lexicon.politique")->severity == Severity::warning);
  CHECK(find(f, "lexicon.politique")->message.find("« CANDIDATE »") != std::string::npos);
  CHECK_FALSE(find(f, "election.period"));

  policy.election_periods = {{sys_days(2026y / March / 1), sys_days(2026y / March / 22)}};
  f = run_checks(in, policy);
  CHECK(find(f, "lexicon.politique")->severity == Severity::blocking);
  REQUIRE(find(f, "election.period"));
  CHECK(find(f, "election.period")->severity == Severity::warning);

  in.text = "Quel abruti a garé sa voiture devant la médiathèque ?";
  f = run_checks(in, policy);
  CHECK(find(f, "lexicon.insultes")->severity == Severity::blocking);
}

TEST_CASE("checks: late material and event dates") {
  auto in = clean_input();
  in.declaration.event_date = "14/03/2026";
  CHECK(run_checks(in).empty());
  in.declaration.event_date = "2026-01-10";
  auto f = run_checks(in);
  REQUIRE(find(f, "event.late"));
  CHECK(find(f, "event.late")->severity == Severity::warning);
  CHECK(find(f, "event.late")->message.find("10/01/2026") != std::string::npos);
  in.declaration.event_date = "samedi dernier";
  CHECK(find(run_checks(in), "event.date_unreadable"));
}

TEST_CASE("declaration: people, minors and consent read from free lines") {
  auto r = read_people(
      {"Léa Dupont, Marc Martin et Jules Petit (mineur)", "oui, formulaires joints", "", {}});
  CHECK(r.names == std::vector<std::string>{"Léa Dupont", "Marc Martin", "Jules Petit"});
  CHECK(r.name_is_minor == std::vector<bool>{false, false, true});
  CHECK(r.minors);
  CHECK(r.consent_claimed);
  CHECK_FALSE(r.parental_consent_claimed);
  // A comma inside a remark does not split a name; minors with no name marked are all minors.
  r = read_people({"Jules Petit (mineur, 9 ans), Léa Dupont", "oui", "", {}});
  CHECK(r.names == std::vector<std::string>{"Jules Petit", "Léa Dupont"});
  CHECK(r.name_is_minor == std::vector<bool>{true, false});
  r = read_people({"Jules et Zoé", "accord des parents des enfants", "", {}});
  CHECK(r.name_is_minor == std::vector<bool>{true, true});
  // The byte the reader uses as a marker, sent by the agent, is only dropped.
  r = read_people({"Léa\x01 (mineure), Paul\x01", "oui", "", {}});
  CHECK(r.names == std::vector<std::string>{"Léa", "Paul"});
  CHECK(r.name_is_minor == std::vector<bool>{true, false});
  r = read_people({"Élèves de CM2", "Autorisation parentale signée", "", {}});
  CHECK(r.minors);
  CHECK(r.parental_consent_claimed);
  r = read_people({"", "No identifiable person", "", {}});
  CHECK(r.none_identifiable);
  CHECK(r.names.empty());
  r = read_people({"Léa Dupont", "Non", "", {}});
  CHECK(r.consent_refused);
  CHECK_FALSE(r.consent_claimed);

  CHECK(parse_event_date("2026-03-14") == 2026y / March / 14);
  CHECK(parse_event_date("14/03/2026") == 2026y / March / 14);
  CHECK(parse_event_date("14.03.26") == 2026y / March / 14);
  CHECK_FALSE(parse_event_date("31/02/2026"));
  CHECK_FALSE(parse_event_date("14/03"));
  CHECK_FALSE(parse_event_date("bientôt"));

  CHECK(is_consent_form("scan.pdf", "application/pdf"));
  CHECK(is_consent_form("Autorisation_Droit_Image.JPG", "image/jpeg"));
  CHECK_FALSE(is_consent_form("IMG_2041.JPG", "image/jpeg"));
}
