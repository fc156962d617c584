// Structured lines of an agent's mail.
#include <doctest/doctest.h>

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

TEST_CASE("a reply's quoted message is not new text") {
  const auto f = read_body_fields(
      "Voici la photo nette.\nAuteur : Léa Dupont\n\nLe 3 mars 2026 à 10:02, relais "
      "<publications@example.org> a écrit :\n> Bonjour,\n> La photo est floue.\n");
  CHECK(f.text == "Voici la photo nette.");
  CHECK(f.author == "Léa Dupont");
  const auto g = read_body_fields(
      "New text\n> quoted\nOn Tue, Mar 3, 2026 at 10:02 AM relais "
      "wrote:\n> Personnes : X\n");
  CHECK(g.text == "New text");
  CHECK(g.people.empty());
}
