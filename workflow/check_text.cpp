// Text and discretion: a context text, within each network's length, the photos' author,
// no personal data, the word lists (political terms blocking in a pre-election period), and
// material that comes long after the event.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "workflow/check_stages.hpp"
#include "workflow/declaration.hpp"
#include "workflow/network_limits.hpp"
#include "workflow/personal_data.hpp"
#include "workflow/text_length.hpp"

namespace relais::workflow::check_stages {
namespace {

std::string_view personal_data_name(PersonalDataKind k) {
  switch (k) {
    case PersonalDataKind::phone:
      return "un numéro de téléphone";
    case PersonalDataKind::email:
      return "une adresse électronique";
    case PersonalDataKind::nir:
      return "un numéro de sécurité sociale";
    case PersonalDataKind::iban:
      return "un IBAN (coordonnées bancaires)";
    case PersonalDataKind::street_address:
      return "une adresse postale";
  }
  return "une donnée personnelle";
}

std::string_view advice_for(std::string_view category) {
  if (category == "political")
    return "Le devoir de neutralité interdit les prises de position politiques ou électorales "
           "sur les comptes de la collectivité : reformulez de façon factuelle.";
  if (category == "commercial")
    return "Les comptes de la collectivité ne font pas de promotion commerciale : reformulez "
           "sans citer d'offre ni de prix.";
  if (category == "proselytism")
    return "Le principe de laïcité interdit le prosélytisme : reformulez de façon neutre.";
  return "Ces propos ne peuvent pas être publiés au nom de la collectivité : retirez-les.";
}

void personal_data(const CheckInput& in, std::vector<Finding>& out) {
  std::map<PersonalDataKind, std::vector<std::string>> by_kind;
  for (const auto& hit : find_personal_data(in.text))
    by_kind[hit.kind].push_back("« " + hit.masked + " »");
  for (const auto& [kind, shown] : by_kind) {
    std::string list;
    for (const auto& s : shown)
      list += (list.empty() ? "" : ", ") + s;
    out.push_back({fmt::format("personal_data.{}", to_string(kind)), Severity::blocking,
                   fmt::format("Le texte contient {} ({}) : les données personnelles ne sont pas "
                               "publiées. Retirez-la du texte ; si elle doit y figurer (numéro "
                               "d'un service public, par exemple), le référent peut lever ce "
                               "point.",
                               personal_data_name(kind), list)});
  }
}

void lexicon_terms(const CheckInput& in, const CheckPolicy& policy, bool election,
                   std::vector<Finding>& out) {
  std::map<std::string, std::vector<const LexiconHit*>> by_list;
  const auto hits = find_lexicon_terms(in.text, policy.lexicons);
  for (const auto& hit : hits)
    by_list[hit.lexicon].push_back(&hit);
  for (const auto& lexicon : policy.lexicons) {
    auto it = by_list.find(lexicon.name);
    if (it == by_list.end())
      continue;
    std::vector<std::string> terms;
    for (const auto* hit : it->second) {
      std::string shown = "« " + hit->term + " »";
      if (std::find(terms.begin(), terms.end(), shown) == terms.end())
        terms.push_back(std::move(shown));
    }
    std::string list;
    for (const auto& t : terms)
      list += (list.empty() ? "" : ", ") + t;
    Severity severity = lexicon.severity;
    std::string when;
    if (lexicon.category == "political" && election) {
      severity = Severity::blocking;
      when = " En période préélectorale, ces termes ne peuvent pas être publiés.";
    }
    out.push_back({"lexicon." + lexicon.name, severity,
                   fmt::format("Le texte contient {} ({}). {}{}", lexicon.label, list,
                               advice_for(lexicon.category), when)});
  }
}

void lateness(const CheckInput& in, const CheckPolicy& policy, std::vector<Finding>& out) {
  if (in.declaration.event_date.empty())
    return;
  const auto date = parse_event_date(in.declaration.event_date);
  if (!date) {
    out.push_back({"event.date_unreadable", Severity::warning,
                   fmt::format("La date de l'événement « {} » n'a pas été comprise : écrivez-la "
                               "sous la forme 14/03/2026.",
                               in.declaration.event_date)});
    return;
  }
  const auto sent = std::chrono::floor<std::chrono::days>(in.submitted_at);
  const auto days = (sent - std::chrono::sys_days(*date)).count();
  if (days > policy.late_days) {
    out.push_back(
        {"event.late", Severity::warning,
         fmt::format("L'événement date du {:02}/{:02}/{} ({} jours avant l'envoi) : "
                     "une publication aussi tardive a peu d'intérêt pour le public.",
                     static_cast<unsigned>(date->day()), static_cast<unsigned>(date->month()),
                     static_cast<int>(date->year()), days)});
  }
}

}  // namespace

void text_findings(const CheckInput& in, const CheckPolicy& policy, std::vector<Finding>& out) {
  if (code_point_count(in.text) < 10) {
    out.push_back({"text.missing", Severity::blocking,
                   "Le message ne contient pas de texte de présentation : ajoutez quelques "
                   "phrases qui disent de quel événement il s'agit (quoi, où, quand)."});
  } else {
    for (const auto& type : in.channel_types) {
      const auto* n = limits_for(type);
      if (!n || n->max_text == 0)
        continue;
      const auto length = text_length_for(*n, in.text);
      if (length > n->max_text) {
        out.push_back(
            {fmt::format("text.too_long.{}", n->type), Severity::blocking,
             fmt::format(
                 "Le texte compte {} caractères, plus que les {} de {}{} : "
                 "raccourcissez-le de {} caractères.",
                 length, n->max_text, n->label,
                 n->counting == TextCounting::x_weighted ? " (un lien compte 23, un emoji 2)" : "",
                 length - n->max_text)});
      }
    }
  }
  const bool has_photo = std::any_of(in.media.begin(), in.media.end(), [](const MediaFacts& m) {
    return m.image.has_value() && !is_consent_form(m.filename, m.content_type);
  });
  if (has_photo && in.author.empty()) {
    out.push_back({"author.missing", Severity::blocking,
                   "L'auteur des photos n'est pas indiqué : ajoutez une ligne « Auteur : Prénom "
                   "Nom » pour que la photo soit créditée."});
  }
  personal_data(in, out);
  const bool election = in_election_period(policy.election_periods, in.now);
  lexicon_terms(in, policy, election, out);
  if (election) {
    out.push_back({std::string(kElectionPeriodFinding), Severity::warning,
                   "Période préélectorale : le référent devra confirmer expressément que cette "
                   "publication respecte la neutralité exigée pendant cette période."});
  }
  lateness(in, policy, out);
}

}  // namespace relais::workflow::check_stages
