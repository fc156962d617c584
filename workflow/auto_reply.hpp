// Out-of-office replies: told apart from what a person wrote (RFC 3834's Auto-Submitted, and
// the subjects mail software gives them), and the day the person says they are back. Pure
// functions; the intake decides what an absence changes (the backup referent decides).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace relais::workflow {

// Whether a mail is an out-of-office reply: "Auto-Submitted: auto-replied", or a subject such
// as "Réponse automatique : …", "Absence du bureau", "Automatic reply: …", "Out of Office".
// `auto_submitted` is the header's value, lower case ("" when absent).
bool is_out_of_office(std::string_view auto_submitted, std::string_view subject);

// The first day the writer is back, read from the reply's text: "de retour le 2 décembre",
// "absente jusqu'au 04/12/2026" (then the day after), "du 24 au 30 novembre" (the day after the
// last), "back on Monday, December 7", "out until 12/4"... A date without a year is its next
// occurrence from `today`; a day before `today` is not believed. nullopt: no date found.
std::optional<std::chrono::year_month_day> back_on(std::string_view text,
                                                   std::chrono::year_month_day today);

}  // namespace relais::workflow
