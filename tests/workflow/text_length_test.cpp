// X's weighted length against values worked out from twitter-text's rules, and plain code
// point counts for the other networks.
#include <doctest/doctest.h>

#include <string>

#include "workflow/text_length.hpp"

using namespace relais::workflow;

TEST_CASE("code points, not bytes") {
  CHECK(code_point_count("") == 0);
  CHECK(code_point_count("fête") == 4);
  CHECK(code_point_count("日本") == 2);
  CHECK(code_point_count("👍🏽") == 2);
  CHECK(code_point_count("\xff\xfe") == 2);  // invalid bytes count, they are not hidden
  CHECK(code_point_count("\xc3") == 1);      // a truncated sequence
}

TEST_CASE("X: Latin text, accents and typographic punctuation weigh 1") {
  CHECK(x_weighted_length("Fête de quartier") == 16);
  CHECK(x_weighted_length("« Bienvenue » – l’équipe") == 24);
  CHECK(x_weighted_length("…") == 2);  // U+2026 is outside twitter-text's light ranges
}

TEST_CASE("X: CJK weighs 2, emoji sequences 2 in all") {
  CHECK(x_weighted_length("日本") == 4);
  CHECK(x_weighted_length("👍") == 2);
  CHECK(x_weighted_length("👍🏽") == 2);                   // skin tone
  CHECK(x_weighted_length("❤️") == 2);                     // variation selector
  CHECK(x_weighted_length("👩‍👩‍👧‍👦") == 2);  // ZWJ family
  CHECK(x_weighted_length("🎉🎉") == 4);                         // two emoji
  CHECK(x_weighted_length("Bravo 🎉 !") == 10);
}

TEST_CASE("X: every URL weighs 23") {
  CHECK(x_weighted_length("https://www.example.org/une/tres/longue/adresse?avec=des&param=s") ==
        23);
  CHECK(x_weighted_length("Voir http://a.fr/x.") == 5 + 23 + 1);
  CHECK(x_weighted_length("(www.mairie.fr)") == 1 + 23 + 1);
  CHECK(x_weighted_length("https://a.fr https://b.fr") == 23 + 1 + 23);
  CHECK(x_weighted_length("nothttps://a.fr") == 15);  // glued to a word: not a URL
}

TEST_CASE("X: a 280-unit limit in practice") {
  std::string text(260, 'a');
  text += " https://www.example.org/x";
  CHECK(x_weighted_length(text) == 284);
}

TEST_CASE("text length: Mastodon counts code points and every URL as 23") {
  using relais::workflow::mastodon_length;
  CHECK(mastodon_length("Fête") == 4);
  CHECK(mastodon_length("voir https://www.example.org/une/tres/longue/adresse/de/page ici") ==
        5 + 23 + 4);
  CHECK(mastodon_length("日本") == 2);  // X would count 4
}
