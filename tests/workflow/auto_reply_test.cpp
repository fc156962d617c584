// Out-of-office replies as Outlook, Gmail, Thunderbird and phones write them, in French and
// English, and the day their writer is back.
#include <doctest/doctest.h>

#include "workflow/auto_reply.hpp"

using namespace relais::workflow;
using namespace std::chrono;

namespace {
constexpr year_month_day kToday{year(2026), November, day(24)};
constexpr year_month_day ymd(int y, unsigned m, unsigned d) {
  return year_month_day{year(y), month(m), day(d)};
}
}  // namespace

TEST_CASE("out of office: the header, or the subject mail software gives") {
  CHECK(is_out_of_office("auto-replied", "Re: PUB-2026-0042"));
  CHECK(is_out_of_office("", "Réponse automatique : PUB-2026-0042 attend votre décision"));
  CHECK(is_out_of_office("", "Absence du bureau"));
  CHECK(is_out_of_office("", "Automatic reply: PUB-2026-0042"));
  CHECK(is_out_of_office("", "Out of Office: PUB-2026-0042"));
  CHECK(is_out_of_office("", "Message d'absence"));
  CHECK_FALSE(is_out_of_office("", "Re: PUB-2026-0042 attend votre décision"));
  CHECK_FALSE(is_out_of_office("auto-generated", "Re: PUB-2026-0042"));  // a notice, not an absence
  CHECK_FALSE(is_out_of_office("", "Absences de la semaine prochaine (planning)"));
}

TEST_CASE("out of office: the day back, in the ways people write it") {
  struct Case {
    const char* text;
    year_month_day back;
  };
  for (const auto& k : {
           Case{"Bonjour, je suis absente. De retour le 2 décembre.", ymd(2026, 12, 2)},
           Case{"Je serai de retour lundi 7 décembre 2026.", ymd(2026, 12, 7)},
           Case{"Absent jusqu'au 04/12/2026 inclus, contactez le suppléant.", ymd(2026, 12, 5)},
           Case{"En congés du 24 au 30 novembre.", ymd(2026, 12, 1)},
           Case{"Je suis en congé jusqu’au 1er décembre.", ymd(2026, 12, 2)},
           Case{"Absente jusqu'au 5 janvier.", ymd(2027, 1, 6)},  // next year: no year given
           Case{"I am out of the office until December 3, 2026.", ymd(2026, 12, 4)},
           Case{"I'll be back on Monday, December 7.", ymd(2026, 12, 7)},
           Case{"Out of office until 12/4.", ymd(2026, 12, 5)},
           Case{"De retour le 02.12.2026", ymd(2026, 12, 2)},
       }) {
    CAPTURE(k.text);
    const auto back = back_on(k.text, kToday);
    REQUIRE(back.has_value());
    CHECK(*back == k.back);
  }
}

TEST_CASE("out of office: no day back when none is said, or only a past one") {
  for (const char* text : {"Je suis absente, je vous répondrai à mon retour.",
                           "Out of office. I will reply to your mail as soon as I can.",
                           "De retour le 3 novembre 2026.",  // before today: not believed
                           "Je suis au bureau le matin seulement.", ""}) {
    CAPTURE(text);
    CHECK_FALSE(back_on(text, kToday).has_value());
  }
}
