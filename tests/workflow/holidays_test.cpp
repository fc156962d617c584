#include <doctest/doctest.h>

#include "workflow/holidays.hpp"

using namespace std::chrono;
using relais::workflow::easter_sunday;
using relais::workflow::french_public_holidays;
using relais::workflow::is_french_public_holiday;

TEST_CASE("Easter Sunday, checked against published dates") {
  CHECK(easter_sunday(year(2024)) == 2024y / March / 31);
  CHECK(easter_sunday(year(2025)) == 2025y / April / 20);
  CHECK(easter_sunday(year(2026)) == 2026y / April / 5);
  CHECK(easter_sunday(year(2027)) == 2027y / March / 28);
  CHECK(easter_sunday(year(2038)) == 2038y / April / 25);  // the latest possible
  CHECK(easter_sunday(year(2285)) == 2285y / March / 22);  // the earliest possible
}

TEST_CASE("French public holidays of 2026, Easter-based ones included") {
  const auto days2026 = french_public_holidays(year(2026));
  REQUIRE(days2026.size() == 11);
  CHECK(days2026[1] == 2026y / April / 6);            // Lundi de Pâques
  CHECK(is_french_public_holiday(2026y / May / 14));  // Ascension (Thursday)
  CHECK(is_french_public_holiday(2026y / May / 25));  // Lundi de Pentecôte
  CHECK(is_french_public_holiday(2026y / July / 14));
  CHECK(is_french_public_holiday(2026y / November / 11));
  CHECK_FALSE(is_french_public_holiday(2026y / May / 13));
  CHECK_FALSE(is_french_public_holiday(2026y / December / 26));
  CHECK(is_french_public_holiday(2026y / December / 26, true));  // Alsace-Moselle
  CHECK(is_french_public_holiday(2026y / April / 3, true));      // Vendredi saint
  CHECK_FALSE(is_french_public_holiday(2026y / April / 3));
  // 2027: Ascension on 6 May, Whit Monday on 17 May.
  CHECK(is_french_public_holiday(2027y / May / 6));
  CHECK(is_french_public_holiday(2027y / May / 17));
}
