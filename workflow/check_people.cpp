// People and consent: a face in a photo needs a declaration, a declared person needs evidence
// of consent (a signed form sent with the material, or a standing consent in the registry),
// and a minor needs a parent's consent. "No one identifiable" must agree with the photos.
#include <algorithm>

#include <fmt/format.h>

#include "workflow/check_stages.hpp"
#include "workflow/declaration.hpp"
#include "workflow/lexicon.hpp"

namespace relais::workflow::check_stages {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += i + 1 == names.size() ? " et " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

void people_findings(const CheckInput& in, std::vector<Finding>& out) {
  int faces = 0;
  std::vector<std::string> with_faces;
  bool has_form = false;
  for (const auto& m : in.media) {
    if (is_consent_form(m.filename, m.content_type)) {
      has_form = true;
      continue;
    }
    if (m.image && m.image->faces > 0) {
      faces += m.image->faces;
      with_faces.push_back("« " + m.filename + " »");
    }
  }
  const auto reading = read_people(in.declaration);
  const std::string photos = join_names(with_faces);

  if (faces > 0 && reading.none_identifiable) {
    out.push_back({"people.faces_found", Severity::blocking,
                   fmt::format("Vous indiquez qu'aucune personne n'est identifiable, mais des "
                               "visages sont visibles ({}). Indiquez les personnes "
                               "photographiées (ligne « Personnes : ») et joignez leurs "
                               "autorisations signées, ou envoyez des photos où personne n'est "
                               "reconnaissable.",
                               photos)});
    return;
  }
  if (faces > 0 && reading.names.empty()) {
    out.push_back({"people.undeclared", Severity::blocking,
                   fmt::format("Des visages sont visibles ({}) mais les personnes ne sont pas "
                               "indiquées. Ajoutez une ligne « Personnes : Prénom Nom, … » et "
                               "une ligne « Consentement : » en joignant les autorisations "
                               "signées, ou écrivez « Personnes : aucune personne identifiable » "
                               "si personne n'est reconnaissable.",
                               photos)});
    return;
  }
  if (reading.names.empty())
    return;

  if (reading.consent_refused) {
    out.push_back({"consent.refused", Severity::blocking,
                   fmt::format("Vous indiquez que {} n'a pas donné son accord : ces photos ne "
                               "peuvent pas être publiées. Envoyez des photos où ces personnes "
                               "n'apparaissent pas.",
                               join_names(reading.names))});
    return;
  }
  std::vector<std::string> uncovered;
  for (const auto& name : reading.names) {
    const std::string folded = fold_for_matching(name);
    const bool registered =
        std::any_of(in.consented_names.begin(), in.consented_names.end(),
                    [&](const std::string& c) { return fold_for_matching(c) == folded; });
    if (!registered)
      uncovered.push_back(name);
  }
  if (!has_form && !uncovered.empty()) {
    out.push_back({"consent.missing", Severity::blocking,
                   fmt::format("Aucune preuve du consentement de {} : joignez à votre réponse "
                               "le formulaire d'autorisation signé (PDF ou photo du formulaire, "
                               "nommé par exemple « autorisation-nom.pdf »). Un accord oral ne "
                               "suffit pas.",
                               join_names(uncovered))});
  }
  if (reading.minors && !reading.parental_consent_claimed) {
    out.push_back({"consent.minors", Severity::blocking,
                   "Des mineurs sont photographiés : leur image ne peut être publiée qu'avec "
                   "l'autorisation signée de leurs parents (ou représentants légaux). Joignez-la "
                   "et écrivez « Consentement : autorisation parentale jointe »."});
  }
}

}  // namespace relais::workflow::check_stages
