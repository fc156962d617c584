// Findings are in French: they go to the agent as they are (the mail templates frame them).
#include "workflow/checks.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace relais::workflow {

bool is_publishable_media(std::string_view t) {
  static constexpr std::array<std::string_view, 7> kTypes{
      "image/jpeg", "image/png", "image/webp",     "image/heic",
      "image/heif", "video/mp4", "video/quicktime"};
  return std::find(kTypes.begin(), kTypes.end(), t) != kTypes.end();
}

std::vector<Finding> run_checks(const CheckInput& in) {
  std::vector<Finding> out;
  if (in.text.size() < 10) {
    out.push_back({"text.missing", Severity::blocking,
                   "Le message ne contient pas de texte de présentation : ajoutez quelques "
                   "phrases qui disent de quel événement il s'agit (quoi, où, quand)."});
  }
  const auto usable = std::count_if(in.media.begin(), in.media.end(), [](const MediaFacts& m) {
    return is_publishable_media(m.content_type);
  });
  if (usable == 0) {
    out.push_back({"media.missing", Severity::warning,
                   "Aucune photo ni vidéo n'est jointe : la publication sera sans image."});
  }
  for (const auto& m : in.media) {
    if (!is_publishable_media(m.content_type)) {
      out.push_back({"media.unsupported", Severity::warning,
                     fmt::format("La pièce jointe « {} » ({}) n'est pas une photo ou une vidéo "
                                 "publiable ; elle est conservée mais ne sera pas publiée.",
                                 m.filename, m.content_type)});
    }
  }
  for (const auto& m : in.media) {
    if (!m.blocked_by.empty()) {
      out.push_back({"media.taken_down", Severity::blocking,
                     fmt::format("La photo « {} » a été retirée à la suite de la demande de "
                                 "retrait {} (droit à l'image) : elle ne peut plus être publiée. "
                                 "Retirez-la de votre envoi.",
                                 m.filename, m.blocked_by)});
    }
  }
  if (usable > 0 && in.author.empty()) {
    out.push_back({"author.missing", Severity::warning,
                   "L'auteur des photos n'est pas indiqué : ajoutez une ligne « Auteur : Prénom "
                   "Nom » pour que la photo soit créditée."});
  }
  return out;
}

}  // namespace relais::workflow
