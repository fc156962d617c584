// The "little" text format of LinkedIn's commentary: reserved characters escaped on the way
// out, read back on the way in, and the comparison find() relies on.
#include <doctest/doctest.h>

#include "connectors/linkedin/little_text.hpp"

using namespace relais::connectors::linkedin;

TEST_CASE("little: each reserved character is escaped with a backslash") {
  CHECK(little_escape(R"(|{}@[]()<>#\*_~)") == R"(\|\{\}\@\[\]\(\)\<\>\#\\\*\_\~)");
  CHECK(little_escape("Fête (salle des fêtes) #forum @mairie") ==
        R"(Fête \(salle des fêtes\) \#forum \@mairie)");
  CHECK(little_escape("mail_contact: a*b~c") == R"(mail\_contact: a\*b\~c)");
}

TEST_CASE("little: what is not reserved is left as it is, UTF-8 included") {
  const std::string plain = "Entrée libre : 5 € ; « 100 % » — l'an prochain ! ? / & = + $ ^ \"";
  CHECK(little_escape(plain) == plain);
  CHECK(little_escape("") == "");
  CHECK(little_escape("ligne 1\nligne 2\n\n© Jeanne") == "ligne 1\nligne 2\n\n© Jeanne");
}

TEST_CASE("little: what was escaped reads back as it was") {
  for (const std::string text :
       {"Fête (salle) #1", R"(C:\dossier\(x))", R"(\\)", "a\\", "_~*", "sans rien", ""}) {
    CHECK(little_unescape(little_escape(text)) == text);
  }
  CHECK(little_unescape(R"(a\nb)") == R"(a\nb)");  // not a reserved character: kept
  CHECK(little_unescape(R"(fin\)") == R"(fin\)");
}

TEST_CASE("little: a commentary holds a text escaped or not, whatever its spacing") {
  const std::string text = "Conseil municipal (séance publique)\n\n© Jeanne Martin";
  CHECK(commentary_holds(little_escape(text), text));
  CHECK(commentary_holds(R"(Conseil municipal \(séance publique\)  © Jeanne Martin )", text));
  CHECK(commentary_holds("Conseil municipal (séance publique)\r\n© Jeanne Martin", text));
  CHECK_FALSE(commentary_holds(R"(Conseil municipal \(séance privée\))", text));
  CHECK_FALSE(commentary_holds("", text));
}
