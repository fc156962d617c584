// std::regex (ECMAScript) has no look-behind: the byte before a number is checked by hand so
// that a phone number is not found inside a longer run of digits.
#include "workflow/personal_data.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace relais::workflow {
namespace {

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

std::string compact(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '.' && c != '-' && c != '\t')
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string mask(std::string_view s) {
  const std::size_t keep = std::min<std::size_t>(4, s.size());
  return std::string(s.substr(0, keep)) + "•••";
}

// Remainder of a long decimal string modulo 97, digit by digit.
int mod97(std::string_view digits) {
  int r = 0;
  for (char c : digits)
    r = (r * 10 + (c - '0')) % 97;
  return r;
}

struct Pattern {
  PersonalDataKind kind;
  std::regex re;
  bool number;  // must not touch a letter or digit on either side
};

const std::vector<Pattern>& patterns() {
  using K = PersonalDataKind;
  constexpr auto icase = std::regex::ECMAScript | std::regex::icase;
  static const std::vector<Pattern> all{
      {K::iban, std::regex(R"([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30})"), true},
      {K::nir,
       std::regex(
           R"([12] ?[0-9]{2} ?(?:0[1-9]|1[0-2]|[2-9][0-9]) ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2})",
           icase),
       true},
      {K::phone, std::regex(R"((?:\+33[ .-]?|0033[ .-]?|0)[1-9](?:[ .-]?[0-9]{2}){4})"), true},
      {K::phone, std::regex(R"(\+[1-9][0-9]{0,2}(?:[ .-]?[0-9]){7,13})"), true},
      {K::email, std::regex(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"),
       false},
      {K::street_address,
       std::regex(
           R"([0-9]{1,4}(?: ?(?:bis|ter))?,? (?:rue|avenue|av\.|boulevard|bd|place|impasse|allée|allee|chemin|route|quai|cours|square|passage|résidence|lotissement|cité|sentier) (?:de la |de l'|du |des |de |d')?[^ \t\r\n,.;:]+)",
           icase),
       true},
      {K::street_address,
       std::regex(
           R"([0-9]{1,5} (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct)\b)"),
       true},
  };
  return all;
}

// The length of the valid IBAN at the start of `candidate` (trailing groups that belong to
// the next word are dropped until the checksum holds), or 0.
std::size_t valid_iban_prefix(std::string_view candidate) {
  for (std::size_t len = candidate.size(); len >= 15; --len) {
    const auto c = candidate.substr(0, len);
    if (c.back() == ' ')
      continue;
    if (iban_valid(compact(c)))
      return len;
  }
  return 0;
}

}  // namespace

std::string_view to_string(PersonalDataKind k) {
  switch (k) {
    case PersonalDataKind::phone:
      return "phone";
    case PersonalDataKind::email:
      return "email";
    case PersonalDataKind::nir:
      return "nir";
    case PersonalDataKind::iban:
      return "iban";
    case PersonalDataKind::street_address:
      return "street_address";
  }
  return "?";
}

bool nir_key_valid(std::string_view s) {
  if (s.size() != 15)
    return false;
  std::string digits(s.substr(0, 13));
  // Corsica: departments 2A and 2B stand for 19 and 18 in the computation.
  if (digits[5] == '2' && (digits[6] == 'A' || digits[6] == 'a'))
    digits.replace(5, 2, "19");
  else if (digits[5] == '2' && (digits[6] == 'B' || digits[6] == 'b'))
    digits.replace(5, 2, "18");
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const auto key = s.substr(13);
  if (!std::isdigit(static_cast<unsigned char>(key[0])) ||
      !std::isdigit(static_cast<unsigned char>(key[1])))
    return false;
  return 97 - mod97(digits) == (key[0] - '0') * 10 + (key[1] - '0');
}

bool iban_valid(std::string_view s) {
  if (s.size() < 15 || s.size() > 34)
    return false;
  if (!std::isupper(static_cast<unsigned char>(s[0])) ||
      !std::isupper(static_cast<unsigned char>(s[1])) ||
      !std::isdigit(static_cast<unsigned char>(s[2])) ||
      !std::isdigit(static_cast<unsigned char>(s[3])))
    return false;
  if (s.substr(0, 2) == "FR" && s.size() != 27)
    return false;
  std::string digits;
  const std::string rearranged = std::string(s.substr(4)) + std::string(s.substr(0, 4));
  for (char c : rearranged) {
    if (c >= '0' && c <= '9')
      digits.push_back(c);
    else if (c >= 'A' && c <= 'Z')
      digits += std::to_string(c - 'A' + 10);
    else
      return false;
  }
  return mod97(digits) == 1;
}

std::vector<PersonalDataHit> find_personal_data(std::string_view text) {
  std::vector<PersonalDataHit> hits;
  const std::string owned(text);
  auto overlaps = [&hits](std::size_t at, std::size_t len) {
    return std::any_of(hits.begin(), hits.end(), [&](const PersonalDataHit& h) {
      return at < h.offset + h.length && h.offset < at + len;
    });
  };
  for (const auto& p : patterns()) {
    for (auto it = std::sregex_iterator(owned.begin(), owned.end(), p.re);
         it != std::sregex_iterator(); ++it) {
      std::size_t at = static_cast<std::size_t>(it->position(0));
      std::size_t len = static_cast<std::size_t>(it->length(0));
      if (p.number) {
        const bool glued_before = at > 0 && is_alnum(owned[at - 1]) && owned[at] != '+';
        if (glued_before)
          continue;
      }
      std::string_view found(owned.data() + at, len);
      if (p.kind == PersonalDataKind::iban) {
        len = valid_iban_prefix(found);
        if (len == 0)
          continue;
        found = found.substr(0, len);
      } else if (p.kind == PersonalDataKind::nir && !nir_key_valid(compact(found))) {
        continue;
      }
      if (p.number && p.kind != PersonalDataKind::street_address && at + len < owned.size() &&
          is_alnum(owned[at + len]))
        continue;
      if (overlaps(at, len))
        continue;
      hits.push_back({p.kind, at, len, mask(found)});
    }
  }
  std::sort(hits.begin(), hits.end(),
            [](const PersonalDataHit& a, const PersonalDataHit& b) { return a.offset < b.offset; });
  return hits;
}

}  // namespace relais::workflow
