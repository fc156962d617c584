// What a person answered by mail, read from the body of their reply: only the new text above
// the quoted message counts, and the referent's decision is understood only when it is said
// plainly ("OK", "Approuvé", "Refusé : raison", "Modifier : …", in French or English). Pure
// functions; the intake decides who may decide (SPEC 3.3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relais::workflow {

// The text written above the quoted message: lines quoted with ">", the attribution line and
// what follows it ("Le 24 nov. 2026 à 10:02, X a écrit :", "On … wrote:"), Outlook's
// "-----Original Message-----" / "De : … Envoyé : …" block, a signature after "-- ", and
// phone sign-offs ("Envoyé de mon iPhone", "Sent from my iPhone", "Envoyé depuis Outlook pour
// Android"...) are taken out. Lines end with "\n"; the ends are trimmed.
std::string reply_text(std::string_view body);

struct ReplyCommand {
  enum class Kind { approve, reject, changes };
  Kind kind = Kind::approve;
  std::string note;  // the reason or the changes asked; empty for approve
};

// The decision the first line of `new_text` states, or nullopt. Accents, case and final
// punctuation do not matter; a command that needs a reason (refuse, changes) takes it after a
// colon or a dash, on the same line and the lines below. Anything else ("OK pour moi, mais…")
// is not a decision: a person reads it.
std::optional<ReplyCommand> reply_command(std::string_view new_text);

}  // namespace relais::workflow
