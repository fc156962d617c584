#include "workflow/auto_reply.hpp"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "workflow/lexicon.hpp"

namespace relais::workflow {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr std::array<std::string_view, 12> kMonthsFr = {
    "janvier", "fevrier", "mars",      "avril",   "mai",      "juin",
    "juillet", "aout",    "septembre", "octobre", "novembre", "decembre"};
constexpr std::array<std::string_view, 12> kMonthsEn = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
constexpr std::array<std::string_view, 14> kWeekdays = {
    "lundi",  "mardi",   "mercredi",  "jeudi",    "vendredi", "samedi",   "dimanche",
    "monday", "tuesday", "wednesday", "thursday", "friday",   "saturday", "sunday"};

std::optional<unsigned> month_named(std::string_view word) {
  for (unsigned i = 0; i < 12; ++i) {
    if (word == kMonthsFr[i] || word == kMonthsEn[i] ||
        (word.size() >= 3 && kMonthsEn[i].starts_with(word) && word.size() <= 4) ||
        (word.size() >= 4 && kMonthsFr[i].starts_with(word)))
      return i + 1;
  }
  return std::nullopt;
}

bool is_weekday(std::string_view word) {
  for (auto w : kWeekdays) {
    if (word == w)
      return true;
  }
  return false;
}

// Words and numbers of a folded text: "2/12/2026" stays one token; punctuation splits.
std::vector<std::string> tokens_of(std::string_view folded) {
  std::vector<std::string> out;
  std::string current;
  for (char c : folded) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80 || c == '/' || c == '.' || c == '-') {
      current += c;
    } else {
      if (!current.empty())
        out.push_back(current);
      current.clear();
    }
  }
  if (!current.empty())
    out.push_back(current);
  for (auto& t : out) {  // "2026." at the end of a sentence
    while (!t.empty() && (t.back() == '.' || t.back() == '-'))
      t.pop_back();
  }
  return out;
}

std::optional<int> number_of(std::string_view t) {
  // "1er", "2nd", "3rd", "4th", "1st" as numbers.
  std::size_t n = 0;
  while (n < t.size() && std::isdigit(static_cast<unsigned char>(t[n])))
    ++n;
  if (n == 0 || n > 4)
    return std::nullopt;
  const std::string_view suffix = t.substr(n);
  if (!suffix.empty() && suffix != "er" && suffix != "st" && suffix != "nd" && suffix != "rd" &&
      suffix != "th" && suffix != "e")
    return std::nullopt;
  return std::stoi(std::string(t.substr(0, n)));
}

// A year-less date: its next occurrence from today.
year_month_day next_occurrence(unsigned m, unsigned d, year_month_day today) {
  year_month_day candidate{today.year(), month(m), day(d)};
  if (candidate < today)
    candidate = year_month_day{today.year() + std::chrono::years(1), month(m), day(d)};
  return candidate;
}

// The date at tokens[i...], if one starts there; `used` is set to the tokens it took.
std::optional<year_month_day> date_at(const std::vector<std::string>& t, std::size_t i,
                                      year_month_day today, bool day_first, std::size_t& used) {
  used = 0;
  std::size_t k = i;
  while (k < t.size() && (is_weekday(t[k]) || t[k] == "le" || t[k] == "on" || t[k] == "the"))
    ++k;
  if (k >= t.size())
    return std::nullopt;
  // Numeric: d/m/y, d/m, or m/d in English text.
  if (t[k].find('/') != std::string::npos || (t[k].find('.') != std::string::npos)) {
    std::vector<int> parts;
    std::string cur;
    for (char c : t[k] + "/") {
      if (c == '/' || c == '.') {
        if (cur.empty() || cur.size() > 4)
          return std::nullopt;
        parts.push_back(std::stoi(cur));
        cur.clear();
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        cur += c;
      } else {
        return std::nullopt;
      }
    }
    if (parts.size() < 2 || parts.size() > 3)
      return std::nullopt;
    int d = day_first ? parts[0] : parts[1];
    int m = day_first ? parts[1] : parts[0];
    used = k - i + 1;
    if (parts.size() == 3) {
      const int y = parts[2] < 100 ? 2000 + parts[2] : parts[2];
      year_month_day ymd{year(y), month(static_cast<unsigned>(m)), day(static_cast<unsigned>(d))};
      return ymd.ok() ? std::optional(ymd) : std::nullopt;
    }
    if (m < 1 || m > 12 || d < 1 || d > 31)
      return std::nullopt;
    auto ymd = next_occurrence(static_cast<unsigned>(m), static_cast<unsigned>(d), today);
    return ymd.ok() ? std::optional(ymd) : std::nullopt;
  }
  // "2 decembre [2026]" or "december 2[,] [2026]".
  std::optional<int> d;
  std::optional<unsigned> m;
  std::size_t next = k;
  if (auto n = number_of(t[k]); n && k + 1 < t.size() && (m = month_named(t[k + 1]))) {
    d = n;
    next = k + 2;
  } else if ((m = month_named(t[k])) && k + 1 < t.size() && (d = number_of(t[k + 1]))) {
    next = k + 2;
  } else {
    return std::nullopt;
  }
  used = next - i;
  if (next < t.size()) {
    if (auto y = number_of(t[next]); y && *y >= 2000 && *y <= 2100) {
      used += 1;
      year_month_day ymd{year(*y), month(*m), day(static_cast<unsigned>(*d))};
      return ymd.ok() ? std::optional(ymd) : std::nullopt;
    }
  }
  if (*d < 1 || *d > 31)
    return std::nullopt;
  auto ymd = next_occurrence(*m, static_cast<unsigned>(*d), today);
  return ymd.ok() ? std::optional(ymd) : std::nullopt;
}

year_month_day day_after(year_month_day d) {
  return year_month_day{std::chrono::sys_days(d) + std::chrono::days(1)};
}

bool phrase_at(const std::vector<std::string>& t, std::size_t i,
               std::initializer_list<std::string_view> words) {
  std::size_t k = i;
  for (auto w : words) {
    if (k >= t.size() || t[k] != w)
      return false;
    ++k;
  }
  return true;
}

}  // namespace

bool is_out_of_office(std::string_view auto_submitted, std::string_view subject) {
  if (auto_submitted == "auto-replied")
    return true;
  const std::string s = fold_for_matching(subject);
  for (std::string_view start :
       {"reponse automatique", "reponse auto", "absence du bureau", "message d absence",
        "absent du bureau", "absente du bureau", "automatic reply", "auto reply", "autoreply",
        "auto-reply", "out of office", "out of the office", "absence :", "absent :", "absente :"}) {
    if (s.starts_with(start))
      return true;
  }
  return false;
}

std::optional<year_month_day> back_on(std::string_view text, year_month_day today) {
  const std::string folded = fold_for_matching(text);
  // English text writes month/day; French day/month.
  const bool english =
      folded.find("office") != std::string::npos || folded.find(" back ") != std::string::npos ||
      folded.find(" until ") != std::string::npos || folded.find("returning") != std::string::npos;
  const auto t = tokens_of(folded);
  for (std::size_t i = 0; i < t.size(); ++i) {
    // What follows names the first day back, or the last day away.
    struct Marker {
      std::initializer_list<std::string_view> words;
      bool last_day_away;
    };
    for (const Marker& m :
         {Marker{{"retour"}, false}, Marker{{"back"}, false}, Marker{{"returning"}, false},
          Marker{{"return"}, false}, Marker{{"jusqu", "au"}, true}, Marker{{"until"}, true},
          Marker{{"till"}, true}, Marker{{"au"}, true}, Marker{{"to"}, true},
          Marker{{"through"}, true}}) {
      if (!phrase_at(t, i, m.words))
        continue;
      const std::size_t at = i + m.words.size();
      std::size_t used = 0;
      auto date = date_at(t, at, today, !english, used);
      if (!date)
        continue;
      const auto back = m.last_day_away ? day_after(*date) : *date;
      if (back < today)
        continue;  // a date gone by is a misreading, or an old message
      return back;
    }
  }
  return std::nullopt;
}

}  // namespace relais::workflow
