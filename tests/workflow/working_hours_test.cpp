#include <doctest/doctest.h>

#include "workflow/working_hours.hpp"

using namespace std::chrono;
using relais::workflow::LocalMinute;
using relais::workflow::parse_working_week;
using relais::workflow::WorkingWeek;

namespace {

constexpr int hm(int h, int m) {
  return h * 60 + m;
}

WorkingWeek office() {
  auto w = parse_working_week("mon-fri 08:30-18:00");
  REQUIRE(w);
  return *w;
}

}  // namespace

TEST_CASE("the default week: Monday to Friday, 08:30 to 18:00") {
  const auto w = office();
  CHECK(w.is_open({2026y / November / 23, hm(8, 30)}));   // Monday
  CHECK(w.is_open({2026y / November / 27, hm(17, 59)}));  // Friday
  CHECK_FALSE(w.is_open({2026y / November / 27, hm(18, 0)}));
  CHECK_FALSE(w.is_open({2026y / November / 23, hm(8, 29)}));
  CHECK_FALSE(w.is_open({2026y / November / 28, hm(10, 0)}));  // Saturday
}

TEST_CASE("Friday 21:00 waits for Monday 08:30") {
  const auto w = office();
  CHECK(w.next_open({2026y / November / 27, hm(21, 0)}) ==
        LocalMinute{2026y / November / 30, hm(8, 30)});
  CHECK(w.next_open({2026y / November / 24, hm(7, 0)}) ==
        LocalMinute{2026y / November / 24, hm(8, 30)});
  CHECK(w.next_open({2026y / November / 24, hm(10, 0)}) ==
        LocalMinute{2026y / November / 24, hm(10, 0)});
}

TEST_CASE("public holidays are skipped: Whit Monday, Ascension Thursday") {
  const auto w = office();
  // Friday 22 May 2026, evening: Monday 25 is Whit Monday.
  CHECK(w.next_open({2026y / May / 22, hm(21, 0)}) == LocalMinute{2026y / May / 26, hm(8, 30)});
  // Wednesday 13 May 2026, evening: Thursday 14 is Ascension.
  CHECK(w.next_open({2026y / May / 13, hm(20, 0)}) == LocalMinute{2026y / May / 15, hm(8, 30)});
  CHECK_FALSE(w.is_open({2026y / May / 14, hm(10, 0)}));
  // Alsace-Moselle: Good Friday 3 April 2026 off too, then Easter Monday.
  auto alsace = w;
  alsace.alsace_moselle = true;
  CHECK(w.next_open({2026y / April / 2, hm(19, 0)}) == LocalMinute{2026y / April / 3, hm(8, 30)});
  CHECK(alsace.next_open({2026y / April / 2, hm(19, 0)}) ==
        LocalMinute{2026y / April / 7, hm(8, 30)});
  auto no_holidays = w;
  no_holidays.public_holidays_off = false;
  CHECK(no_holidays.is_open({2026y / May / 14, hm(10, 0)}));
}

TEST_CASE("working time counts only open hours") {
  const auto w = office();
  // Thursday 16:00 + 4 working hours: 2 on Thursday, 2 on Friday morning.
  CHECK(w.after_open_minutes({2026y / November / 26, hm(16, 0)}, 240) ==
        LocalMinute{2026y / November / 27, hm(10, 30)});
  // Friday 17:00 + 2 h: Monday 09:30.
  CHECK(w.after_open_minutes({2026y / November / 27, hm(17, 0)}, 120) ==
        LocalMinute{2026y / November / 30, hm(9, 30)});
  // Saturday + 1 h: Monday 09:30.
  CHECK(w.after_open_minutes({2026y / November / 28, hm(12, 0)}, 60) ==
        LocalMinute{2026y / November / 30, hm(9, 30)});
  // Exactly to the end of a day: the next opening, when someone is there.
  CHECK(w.after_open_minutes({2026y / November / 26, hm(16, 0)}, 120) ==
        LocalMinute{2026y / November / 27, hm(8, 30)});
  // Over Whit Monday: Friday 22 May 17:00 + 8 h = Tuesday 26 May 15:30.
  CHECK(w.after_open_minutes({2026y / May / 22, hm(17, 0)}, 480) ==
        LocalMinute{2026y / May / 26, hm(15, 30)});
  CHECK(w.after_open_minutes({2026y / November / 24, hm(10, 0)}, 0) ==
        LocalMinute{2026y / November / 24, hm(10, 0)});
}

TEST_CASE("split days, French names, several clauses, round the clock") {
  auto w = parse_working_week("lun-jeu 08:30-12:00 13:30-17:30; ven 08:30-12:00");
  REQUIRE(w);
  CHECK(w->is_open({2026y / November / 23, hm(9, 0)}));
  CHECK_FALSE(w->is_open({2026y / November / 23, hm(12, 30)}));
  CHECK(w->next_open({2026y / November / 23, hm(12, 30)}) ==
        LocalMinute{2026y / November / 23, hm(13, 30)});
  CHECK(w->next_open({2026y / November / 27, hm(12, 0)}) ==
        LocalMinute{2026y / November / 30, hm(8, 30)});
  // Lunch does not count as working time.
  CHECK(w->after_open_minutes({2026y / November / 23, hm(11, 0)}, 120) ==
        LocalMinute{2026y / November / 23, hm(14, 30)});

  auto always = parse_working_week("mon-sun 00:00-24:00");
  REQUIRE(always);
  always->public_holidays_off = false;
  CHECK(always->is_open({2026y / December / 25, hm(3, 0)}));
  CHECK(always->after_open_minutes({2026y / November / 23, hm(23, 0)}, 120) ==
        LocalMinute{2026y / November / 24, hm(1, 0)});

  auto weekend = parse_working_week("sat-mon 10:00-11:00, wed 10:00-11:00");
  CHECK_FALSE(weekend);  // a comma list is days only: "sat-mon,wed 10:00-11:00"
  auto wrap = parse_working_week("sat-mon,wed 10:00-11:00");
  REQUIRE(wrap);
  CHECK(wrap->is_open({2026y / November / 29, hm(10, 0)}));  // Sunday
  CHECK(wrap->is_open({2026y / November / 25, hm(10, 0)}));  // Wednesday
  CHECK_FALSE(wrap->is_open({2026y / November / 24, hm(10, 0)}));
}

TEST_CASE("a bad week says what is wrong") {
  CHECK(parse_working_week("").error().message.find("no working hours") != std::string::npos);
  CHECK(parse_working_week("mon-fri").error().message.find("needs days and hours") !=
        std::string::npos);
  CHECK(parse_working_week("mo-fr 08:30-18:00").error().message.find("\"mo-fr\" is not a day") !=
        std::string::npos);
  CHECK(parse_working_week("mon 18:00-08:30").error().message.find("not a span") !=
        std::string::npos);
  CHECK(parse_working_week("mon 8:30-18:00").error().message.find("not a span") !=
        std::string::npos);
  CHECK(parse_working_week("mon 08:30-25:00").error().message.find("not a span") !=
        std::string::npos);
  CHECK(parse_working_week("mon 08:00-12:00 11:00-14:00").error().message.find("overlap") !=
        std::string::npos);
}
