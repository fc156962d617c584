// Answers by mail: the new text of a reply as phones and desktop clients write it, and the
// referent's decision when it is said plainly.
#include <doctest/doctest.h>

#include "workflow/reply_command.hpp"

using namespace relais::workflow;
using Kind = ReplyCommand::Kind;

TEST_CASE("reply text: what was written above the quoted message") {
  // iPhone Mail, French: top-posted, signed off, the original quoted with '>'.
  CHECK(reply_text("OK\n\nEnvoyé de mon iPhone\n\n> Le 24 nov. 2026 à 10:02, relais "
                   "<publications@example.org> a écrit :\n> \n> PUB-2026-0042 attend votre "
                   "décision\n") == "OK");
  // Gmail: the attribution wrapped over two lines, then the quote.
  CHECK(reply_text(
            "Approuvé, merci.\r\n\r\nLe mar. 24 nov. 2026 à 10:02, relais <p@example.org> a\r\n"
            "écrit :\r\n\r\n> texte\r\n") == "Approuvé, merci.");
  // Outlook: no quote marks, a header block instead.
  CHECK(reply_text("Refusé : la photo est floue.\n\nJeanne Martin\nMairie\n\n"
                   "-----Original Message-----\nFrom: relais <p@example.org>\nSent: ...\n"
                   "OK\n") == "Refusé : la photo est floue.\n\nJeanne Martin\nMairie");
  CHECK(reply_text("Modifier : retirer le nom de l'enfant\n\nDe : relais <p@example.org>\n"
                   "Envoyé : mardi 24 novembre 2026 10:02\nObjet : PUB-2026-0042\n") ==
        "Modifier : retirer le nom de l'enfant");
  // English, with a signature.
  CHECK(reply_text("Approved\n-- \nJane Smith\nCommunication\n\nOn Tue, Nov 24, 2026 at 10:02 AM "
                   "relais <p@example.org> wrote:\n> text\n") == "Approved");
  CHECK(reply_text("Sent from my iPhone\n") == "");
  CHECK(reply_text("") == "");
  // A line that merely starts like an attribution is kept.
  CHECK(reply_text("Le texte est bien.\nOK") == "Le texte est bien.\nOK");
}

TEST_CASE("reply command: a plain approval, in French or English, whatever the case") {
  for (const char* text : {"OK", "ok", "Ok.", "OK !", "Approuvé", "APPROUVÉ", "approuve", "Validé",
                           "D'accord", "d’accord.", "Approved", "Yes", "Oui"}) {
    CAPTURE(text);
    const auto c = reply_command(text);
    REQUIRE(c);
    CHECK(c->kind == Kind::approve);
    CHECK(c->note.empty());
  }
  CHECK(reply_command("\n\n  OK  \n")->kind == Kind::approve);
}

TEST_CASE("reply command: a refusal or changes, with what the referent wrote") {
  auto refused = reply_command("Refusé : la photo montre un enfant sans autorisation.");
  REQUIRE(refused);
  CHECK(refused->kind == Kind::reject);
  CHECK(refused->note == "la photo montre un enfant sans autorisation.");

  auto rejected = reply_command("Rejected: wrong event date");
  REQUIRE(rejected);
  CHECK(rejected->kind == Kind::reject);
  CHECK(rejected->note == "wrong event date");

  auto bare = reply_command("Refusée");
  REQUIRE(bare);
  CHECK(bare->kind == Kind::reject);
  CHECK(bare->note.empty());

  auto changes = reply_command("Modifier :\nretirer le nom de l'enfant\net recadrer la photo");
  REQUIRE(changes);
  CHECK(changes->kind == Kind::changes);
  CHECK(changes->note == "retirer le nom de l'enfant\net recadrer la photo");

  auto dash = reply_command("Changes - please crop the second photo");
  REQUIRE(dash);
  CHECK(dash->kind == Kind::changes);
  CHECK(dash->note == "please crop the second photo");
}

TEST_CASE("reply command: anything less plain is for a person to read") {
  for (const char* text : {"OK pour moi, mais change le titre", "OK mais modifier la date",
                           "Je refuse de valider sans l'accord des parents", "Modifier le texte ?",
                           "Pas d'accord", "Okay then, but wait", "Merci !", "", "   \n  "}) {
    CAPTURE(text);
    CHECK_FALSE(reply_command(text).has_value());
  }
}
