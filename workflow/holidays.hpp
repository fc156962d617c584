// French public holidays (jours fériés, Code du travail L3133-1), for working hours: the fixed
// days and the three that follow Easter. Alsace-Moselle's two extra days (Good Friday,
// 26 December) are added on request.
#pragma once

#include <chrono>
#include <vector>

namespace relais::workflow {

// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).
std::chrono::year_month_day easter_sunday(std::chrono::year y);

// The public holidays of `y`, in date order.
std::vector<std::chrono::year_month_day> french_public_holidays(std::chrono::year y,
                                                                bool alsace_moselle = false);

bool is_french_public_holiday(std::chrono::year_month_day d, bool alsace_moselle = false);

}  // namespace relais::workflow
