#include "workflow/consent_forms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "workflow/declaration.hpp"
#include "workflow/lexicon.hpp"

namespace relais::workflow {
namespace {

// Whether the file name holds one of the words of the name (three letters or more, so that
// "de" or "Li" does not decide).
bool names_person(const std::string& filename, const std::string& person) {
  const auto file_words = words_of(fold_for_matching(filename));
  const auto name_words = words_of(fold_for_matching(person));
  return std::any_of(name_words.begin(), name_words.end(), [&](const std::string& w) {
    return w.size() >= 3 && std::find(file_words.begin(), file_words.end(), w) != file_words.end();
  });
}

bool evidence_accepted(const PeopleReading& reading, const std::vector<Finding>& findings) {
  if (!reading.consent_claimed || reading.consent_refused || reading.names.empty())
    return false;
  return std::none_of(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == Severity::blocking && f.code.starts_with("consent.");
  });
}

std::int64_t person_named(Store& store, const std::string& name, TimePoint at,
                          const std::string& actor, ConsentFormsRecorded& done) {
  // Homonyms in the registry: the first one. A takedown by either then also finds this
  // request, which errs on the side of removing.
  const auto known = store.find_persons_by_name(name);
  if (!known.empty())
    return known.front().id;
  ++done.persons_added;
  return store.add_person({0, name, "", "", at}, actor, "declaration");
}

}  // namespace

ConsentFormsRecorded record_consent_forms(Store& store, const Request& r,
                                          const std::vector<MediaRow>& media,
                                          const std::vector<Finding>& findings, TimePoint at,
                                          const std::string& actor) {
  ConsentFormsRecorded done;
  const PeopleReading reading = read_people(r.declaration);
  std::vector<const MediaRow*> forms;
  for (const auto& m : media) {
    if (is_consent_form(m.filename, m.content_type))
      forms.push_back(&m);
  }
  if (forms.empty() || !evidence_accepted(reading, findings))
    return done;

  // Forms that name none of the people are everyone's; one that names someone is only theirs.
  std::vector<const MediaRow*> shared;
  std::copy_if(forms.begin(), forms.end(), std::back_inserter(shared), [&](const MediaRow* m) {
    return std::none_of(reading.names.begin(), reading.names.end(),
                        [&](const std::string& n) { return names_person(m->filename, n); });
  });
  for (std::size_t i = 0; i < reading.names.size(); ++i) {
    const std::string& name = reading.names[i];
    const std::int64_t person = person_named(store, name, at, actor, done);
    if (store.link_person({person, r.id, std::nullopt, "declaration", at}, actor))
      ++done.links_added;

    std::vector<const MediaRow*> own;
    std::copy_if(forms.begin(), forms.end(), std::back_inserter(own),
                 [&](const MediaRow* m) { return names_person(m->filename, name); });
    const auto& evidence = own.empty() ? shared : own;
    const auto existing = store.list_consents(person);
    for (const MediaRow* form : evidence) {
      const bool recorded = std::any_of(existing.begin(), existing.end(), [&](const ConsentRow& c) {
        return c.request_id == r.id && c.evidence_sha256 == form->sha256;
      });
      if (recorded)
        continue;
      ConsentRow c;
      c.person_id = person;
      c.scope = ConsentScope::request;
      c.request_id = r.id;
      c.evidence_sha256 = form->sha256;
      c.evidence_name = form->filename;
      c.given_at = r.created_at;
      c.minor = i < reading.name_is_minor.size() && reading.name_is_minor[i];
      c.note = fmt::format("Formulaire joint à la demande {} (consentement déclaré : « {} »).",
                           r.reference, r.declaration.consent);
      c.created_at = at;
      store.add_consent(c, actor, "declaration");
      ++done.consents_added;
    }
  }
  return done;
}

}  // namespace relais::workflow
