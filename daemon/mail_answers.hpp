// Answers by mail in a request's thread (SPEC 3.3): the referent's (or backup's) "OK",
// "Refusé : raison", "Modifier : …" acts exactly as the link in the notification it answers
// would (same token: request, version, single use, expiry), and only when the reply comes from
// the referent's or backup's address, answers that notification, and, where the trusted mail
// server reports on it, passes DMARC/DKIM. Whoever else writes a decision in the thread is told
// why nothing happened. Runs inside the intake's transaction.
#pragma once

#include <cstdint>

#include "connectors/email/mime_reader.hpp"
#include "connectors/email/smtp_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

struct ThreadAnswer {
  const connectors::email::ParsedMail& mail;
  std::int64_t request_id = 0;
  std::string effect_key;  // prefix for the mails this answer causes, from the message's hash
};

// From the referent's or the backup's address: a decision, or a word that is not one.
connectors::email::Reply referent_answered(workflow::Store& store, Services& s,
                                           const ThreadAnswer& a, workflow::TimePoint at);

// From anyone else: true (and the writer told why nothing happened) when the text reads as a
// decision; false when it is ordinary material for the request.
bool refuse_decision_by_others(workflow::Store& store, Services& s, const ThreadAnswer& a,
                               workflow::TimePoint at);

bool is_referent_address(const ReferentConfig& r, std::string_view address);

}  // namespace relais::daemon
