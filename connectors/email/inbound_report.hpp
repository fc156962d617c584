// What a delivery status notification (RFC 3464 message/delivery-status) says about each
// recipient: the address, what the reporting server did (failed, delayed, delivered, relayed,
// expanded), the status code and the remote server's words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relais::connectors::email {

struct RecipientReport {
  std::string recipient;   // lower-case address from Final-Recipient (else Original-Recipient)
  std::string action;      // lower case
  std::string status;      // "5.1.1"
  std::string diagnostic;  // Diagnostic-Code without its type, e.g. "550 5.1.1 User unknown"
  bool permanent() const { return action == "failed" || status.starts_with("5."); }
};

// The per-recipient blocks of `delivery_status`; blocks without a recipient are skipped.
// Lenient: LF or CRLF, folded fields, any case, "rfc822;" with or without a space.
std::vector<RecipientReport> read_delivery_status(std::string_view delivery_status);

}  // namespace relais::connectors::email
