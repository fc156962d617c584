// Personal data in a publication text: what is found (with its checksum), what is not
// (amounts, dates, references, numbers whose key is wrong), and where.
#include <doctest/doctest.h>

#include "workflow/personal_data.hpp"

using namespace relais::workflow;

namespace {

std::vector<std::string> kinds(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& h : find_personal_data(text))
    out.emplace_back(to_string(h.kind));
  return out;
}

std::string found(std::string_view text, std::size_t i = 0) {
  const auto hits = find_personal_data(text);
  REQUIRE(hits.size() > i);
  return std::string(text.substr(hits[i].offset, hits[i].length));
}

}  // namespace

TEST_CASE("French phone numbers in their usual spellings") {
  for (const char* text :
       {"Appelez le 06 12 34 56 78 pour vous inscrire.", "Contact : 0612345678.",
        "Tél. +33 6 12 34 56 78", "0033 1.23.45.67.89", "+33612345678", "tel: 01-23-45-67-89"}) {
    CAPTURE(text);
    CHECK(kinds(text) == std::vector<std::string>{"phone"});
  }
  CHECK(found("Appelez le 06 12 34 56 78 pour") == "06 12 34 56 78");
}

TEST_CASE("international numbers with their country code") {
  CHECK(kinds("Call +44 20 7946 0958 today") == std::vector<std::string>{"phone"});
  CHECK(kinds("WhatsApp +1 415 555 2671") == std::vector<std::string>{"phone"});
}

TEST_CASE("numbers that are not phone numbers") {
  for (const char* text :
       {"300 habitants place du marché", "le 12/06/2026 à 14 h", "PUB-2026-0042",
        "un budget de 1 250 000 euros", "SIRET 12345678901234", "code 061234567890123"}) {
    CAPTURE(text);
    CHECK(kinds(text).empty());
  }
}

TEST_CASE("email addresses") {
  CHECK(kinds("Écrivez à jeanne.martin@mairie-exemple.fr !") == std::vector<std::string>{"email"});
  CHECK(found("Écrivez à jeanne.martin@mairie-exemple.fr !") == "jeanne.martin@mairie-exemple.fr");
  CHECK(kinds("sur les réseaux @mairie") == std::vector<std::string>{});
}

TEST_CASE("social security numbers only when their key is right") {
  CHECK(nir_key_valid("185057800608491"));
  CHECK_FALSE(nir_key_valid("185057800608492"));
  CHECK(nir_key_valid("269029934173285"));
  CHECK_FALSE(nir_key_valid("1850578006084"));
  CHECK(kinds("NIR : 1 85 05 78 006 084 91") == std::vector<std::string>{"nir"});
  CHECK(kinds("n° 1 85 05 78 006 084 92") != std::vector<std::string>{"nir"});
}

TEST_CASE("Corsican departments 2A and 2B count as 19 and 18") {
  // 2 85 05 2A 123 456: the key of 2850519123456 is 80.
  CHECK(nir_key_valid("285052A12345680"));
  CHECK_FALSE(nir_key_valid("285052B12345680"));
  CHECK(kinds("2 85 05 2A 123 456 80") == std::vector<std::string>{"nir"});
}

TEST_CASE("IBANs only when mod 97 holds") {
  CHECK(iban_valid("FR7630006000011234567890189"));
  CHECK(iban_valid("GB82WEST12345698765432"));
  CHECK(iban_valid("DE89370400440532013000"));
  CHECK_FALSE(iban_valid("FR7630006000011234567890188"));
  CHECK_FALSE(iban_valid("FR76300060000112345678901"));  // a French IBAN has 27 characters
  CHECK(kinds("Virement sur FR76 3000 6000 0112 3456 7890 189 MERCI") ==
        std::vector<std::string>{"iban"});
  CHECK(found("Virement sur FR76 3000 6000 0112 3456 7890 189 MERCI") ==
        "FR76 3000 6000 0112 3456 7890 189");
  CHECK(kinds("réf. FR76 3000 6000 0112 3456 7890 188") == std::vector<std::string>{});
}

TEST_CASE("street addresses, French and English") {
  for (const char* text :
       {"Rendez-vous au 12 rue de la Paix.", "chez lui, 3 bis avenue Foch", "5, boulevard Gambetta",
        "14 allée des Tilleuls", "221 Baker Street", "10 Downing St"}) {
    CAPTURE(text);
    CHECK(kinds(text) == std::vector<std::string>{"street_address"});
  }
  CHECK(kinds("300 habitants place du marché").empty());
  CHECK(kinds("la place du marché").empty());
}

TEST_CASE("several kinds at once, in text order, masked for the agent") {
  const std::string text =
      "Léa (06 12 34 56 78, lea@exemple.fr) habite 8 rue Victor Hugo ; IBAN "
      "FR7630006000011234567890189.";
  const auto hits = find_personal_data(text);
  REQUIRE(hits.size() == 4);
  CHECK(to_string(hits[0].kind) == "phone");
  CHECK(to_string(hits[1].kind) == "email");
  CHECK(to_string(hits[2].kind) == "street_address");
  CHECK(to_string(hits[3].kind) == "iban");
  CHECK(hits[0].masked == "06 1•••");
  CHECK(hits[3].masked == "FR76•••");
  CHECK(find_personal_data("").empty());
}
