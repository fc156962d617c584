// Automatic mail is stored and never answered (RFC 3834); two kinds still change something:
// - an out-of-office reply from the referent (or backup) records them away until the day they
//   give (else for referent.absence_default_days); while the referent is away, the requests
//   waiting for a decision, and every new one, go to the backup;
// - a delivery report about relais's own mail marks the recipient's address as failing and
//   tells the administrator (once a day per address, and never about their own address, so that
//   a bouncing administrator cannot start a loop).
// Runs inside the intake's transaction.
#pragma once

#include <string>

#include "connectors/email/mime_reader.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

// `effect_key`: prefix for the mails this causes, from the message's hash.
void took_automatic_mail(workflow::Store& store, Services& s,
                         const connectors::email::ParsedMail& m, const std::string& effect_key,
                         workflow::TimePoint at);

}  // namespace relais::daemon
