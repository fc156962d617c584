#include "workflow/declaration.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "workflow/lexicon.hpp"

namespace relais::workflow {
namespace {

template <std::size_t N>
bool has_any(const std::vector<std::string>& words, const std::array<std::string_view, N>& wanted) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::find(wanted.begin(), wanted.end(), w) != wanted.end();
  });
}

bool has_phrase(std::string_view folded, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return folded.find(p) != std::string_view::npos; });
}

bool says_no_one(std::string_view folded) {
  return has_phrase(folded,
                    {"aucune personne", "personne d identifiable", "personne identifiable",
                     "pas de personne", "sans personne", "no identifiable", "no one identifiable",
                     "nobody identifiable", "no people", "no person"}) ||
         folded == "aucune" || folded == "personne" || folded == "none" || folded == "nobody" ||
         folded == "non applicable" || folded == "n/a";
}

constexpr std::array<std::string_view, 12> kMinorWords{"mineur", "mineurs", "mineure", "mineures",
                                                       "enfant", "enfants", "eleve",   "eleves",
                                                       "minor",  "minors",  "child",   "children"};
constexpr std::array<std::string_view, 7> kParentWords{
    "parental", "parentale", "parentales", "parents", "parent", "tuteur", "guardian"};
constexpr std::array<std::string_view, 14> kYesWords{
    "oui",       "yes",    "signe",      "signes",      "signee",  "signees", "autorisation",
    "autorises", "accord", "formulaire", "formulaires", "consent", "signed",  "given"};
constexpr std::array<std::string_view, 5> kNoWords{"non", "no", "refus", "refuse", "refusee"};

struct NamedPerson {
  std::string name;
  std::string remark;  // the parenthesised text after the name, if any
};

// Names from the people line: split on commas, semicolons and " et " / " and ", with any
// parenthesised remark ("(mineur)") taken apart.
std::vector<NamedPerson> split_names(std::string_view people) {
  // Remarks are cut out first, with a marker (\x01) standing where each one was, so that a
  // comma inside a remark does not split a name.
  std::string cleaned;
  std::vector<std::string> remarks;
  int depth = 0;
  for (char c : people) {
    if (c == '\x01')
      continue;  // the marker below; never from the agent
    if (c == '(') {
      if (depth++ == 0) {
        cleaned += '\x01';
        remarks.emplace_back();
      }
    } else if (c == ')') {
      depth = std::max(0, depth - 1);
    } else if (depth == 0) {
      cleaned += c;
    } else {
      remarks.back() += c;
    }
  }
  std::vector<NamedPerson> out;
  std::size_t next_remark = 0;
  auto push = [&](std::string_view s) {
    NamedPerson p;
    std::string name;
    for (char c : s) {
      if (c == '\x01')
        p.remark += remarks[next_remark++] + " ";
      else
        name += c;
    }
    const auto b = name.find_first_not_of(" \t");
    if (b == std::string::npos)
      return;
    const auto e = name.find_last_not_of(" \t.");
    p.name = name.substr(b, e - b + 1);
    out.push_back(std::move(p));
  };
  std::string_view rest = cleaned;
  while (!rest.empty()) {
    std::size_t cut = rest.find_first_of(",;");
    std::size_t skip = 1;
    for (std::string_view sep : {" et ", " and ", " & "}) {
      const auto at = rest.find(sep);
      if (at < cut) {
        cut = at;
        skip = sep.size();
      }
    }
    if (cut == std::string_view::npos) {
      push(rest);
      break;
    }
    push(rest.substr(0, cut));
    rest.remove_prefix(cut + skip);
  }
  return out;
}

}  // namespace

PeopleReading read_people(const Declaration& d) {
  PeopleReading r;
  const std::string people = fold_for_matching(d.people);
  const std::string consent = fold_for_matching(d.consent);
  r.declared = !people.empty() || !consent.empty();
  r.none_identifiable = says_no_one(people) || says_no_one(consent);
  const auto people_words = words_of(people);
  const auto consent_words = words_of(consent);
  r.minors = has_any(people_words, kMinorWords) || has_any(consent_words, kMinorWords);
  r.parental_consent_claimed = has_any(consent_words, kParentWords) ||
                               has_phrase(consent, {"representant legal", "representants legaux"});
  r.consent_refused = has_any(consent_words, kNoWords) && !has_any(consent_words, kYesWords);
  r.consent_claimed =
      !r.consent_refused && (has_any(consent_words, kYesWords) || r.parental_consent_claimed);
  if (r.none_identifiable)
    return r;
  bool any_marked = false;
  for (auto& p : split_names(d.people)) {
    const bool marked = has_any(words_of(fold_for_matching(p.remark)), kMinorWords);
    any_marked = any_marked || marked;
    r.names.push_back(std::move(p.name));
    r.name_is_minor.push_back(marked);
  }
  if (r.minors && !any_marked)
    r.name_is_minor.assign(r.names.size(), true);
  return r;
}

std::optional<std::chrono::year_month_day> parse_event_date(std::string_view text) {
  std::array<int, 3> parts{};
  std::size_t count = 0;
  char separator = 0;
  std::size_t i = 0;
  const auto b = text.find_first_not_of(" \t");
  const auto e = text.find_last_not_of(" \t.");
  if (b == std::string_view::npos)
    return std::nullopt;
  text = text.substr(b, e - b + 1);
  std::array<std::size_t, 3> widths{};
  while (i < text.size() && count < 3) {
    int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
    if (ec != std::errc())
      return std::nullopt;
    const auto used = static_cast<std::size_t>(ptr - (text.data() + i));
    widths[count] = used;
    parts[count++] = value;
    i += used;
    if (i == text.size())
      break;
    if (separator == 0)
      separator = text[i];
    if (text[i] != separator || (separator != '-' && separator != '/' && separator != '.'))
      return std::nullopt;
    ++i;
  }
  if (count != 3 || i != text.size())
    return std::nullopt;
  int year = 0;
  int month = parts[1];
  int day = 0;
  if (widths[0] == 4 && separator == '-') {
    year = parts[0];
    day = parts[2];
  } else if (separator != '-' || widths[2] == 4) {
    day = parts[0];
    year = widths[2] == 2 ? 2000 + parts[2] : parts[2];
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || year < 2000 || year > 2100)
    return std::nullopt;
  return ymd;
}

bool is_consent_form(std::string_view filename, std::string_view content_type) {
  if (content_type == "application/pdf")
    return true;
  if (!content_type.starts_with("image/"))
    return false;
  const std::string name = fold_for_matching(filename);
  return has_phrase(name, {"autorisation", "consentement", "droit-image", "droit_image",
                           "droit a l image", "consent", "release", "cession"});
}

}  // namespace relais::workflow
