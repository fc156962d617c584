// What an agent's mail says, read from its body: the structured lines (`Auteur :`,
// `Personnes :`, `Consentement :`, `Date :`, `Réseaux :`, in French or English) and the
// free text that remains, without the signature. Pure; unknown lines stay in the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relais::workflow {

struct BodyFields {
  std::string text;  // the free text, structured lines and signature removed, trimmed
  std::string author;
  std::string people;
  std::string consent;
  std::string date;
  std::vector<std::string> networks;
};

BodyFields read_body_fields(std::string_view body);

}  // namespace relais::workflow
