// Structured lines of an agent's mail and the first checks.
#include <doctest/doctest.h>

#include "workflow/checks.hpp"
#include "workflow/submission.hpp"

using namespace relais::workflow;

TEST_CASE("structured lines in French and English are read and removed from the text") {
  const auto f = read_body_fields(
      "Bonjour,\r\n\r\nInauguration de la médiathèque ce matin.\r\n"
      "Auteur : Marie Curie\r\nPersonnes : aucune personne identifiable\r\n"
      "Réseaux : site, Mastodon\r\nConsent: yes\r\n-- \r\nJean Dupont\r\nMairie\r\n");
  CHECK(f.author == "Marie Curie");
  CHECK(f.people == "aucune personne identifiable");
  CHECK(f.consent == "yes");
  CHECK(f.networks == std::vector<std::string>{"site", "mastodon"});
  CHECK(f.text == "Bonjour,\n\nInauguration de la médiathèque ce matin.");
}

TEST_CASE("a colon in an ordinary sentence stays in the text") {
  const auto f = read_body_fields("Programme de la journée : visite puis discours.\nA: b");
  CHECK(f.text == "Programme de la journée : visite puis discours.\nA: b");
  CHECK(f.author.empty());
}

TEST_CASE("checks") {
  CheckInput in{"Inauguration de la médiathèque", "Marie Curie", {{"a.jpg", "image/jpeg", 100}}};
  CHECK(run_checks(in).empty());
  in.author.clear();
  auto f = run_checks(in);
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == "author.missing");
  CHECK(f[0].severity == Severity::warning);
  in.text = "";
  in.media = {{"notes.docx", "application/msword", 10}};
  f = run_checks(in);
  REQUIRE(f.size() == 3);
  CHECK(f[0].severity == Severity::blocking);
  CHECK(f[1].code == "media.missing");
  CHECK(f[2].message.find("notes.docx") != std::string::npos);
}
