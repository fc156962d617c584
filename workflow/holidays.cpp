#include "workflow/holidays.hpp"

#include <algorithm>

namespace relais::workflow {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

year_month_day easter_sunday(year y) {
  const int Y = static_cast<int>(y);
  const int a = Y % 19, b = Y / 100, c = Y % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int mo = (h + l - 7 * m + 114) / 31;
  const int da = (h + l - 7 * m + 114) % 31 + 1;
  return year_month_day{y, month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(da))};
}

std::vector<year_month_day> french_public_holidays(year y, bool alsace_moselle) {
  const sys_days easter{easter_sunday(y)};
  auto fixed = [&](unsigned m, unsigned d) { return year_month_day{y, month(m), day(d)}; };
  std::vector<year_month_day> out = {
      fixed(1, 1),                        // Jour de l'an
      year_month_day{easter + days(1)},   // Lundi de Pâques
      fixed(5, 1),                        // Fête du Travail
      fixed(5, 8),                        // Victoire 1945
      year_month_day{easter + days(39)},  // Ascension
      year_month_day{easter + days(50)},  // Lundi de Pentecôte
      fixed(7, 14),                       // Fête nationale
      fixed(8, 15),                       // Assomption
      fixed(11, 1),                       // Toussaint
      fixed(11, 11),                      // Armistice
      fixed(12, 25),                      // Noël
  };
  if (alsace_moselle) {
    out.push_back(year_month_day{easter - days(2)});  // Vendredi saint
    out.push_back(fixed(12, 26));                     // Saint-Étienne
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_french_public_holiday(year_month_day d, bool alsace_moselle) {
  const auto all = french_public_holidays(d.year(), alsace_moselle);
  return std::find(all.begin(), all.end(), d) != all.end();
}

}  // namespace relais::workflow
