// Mail intake: a message handed over by the SMTP/LMTP listener becomes durable (raw bytes and
// attachments as content-addressed files, then one transaction: dedup, message row, request,
// media, outbox) before the listener answers 250. Unparseable input is quarantined, never
// dropped; a storage failure answers 451 so the client keeps and retries the message.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "connectors/email/smtp_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

// Persons of the consent registry named in `text` ("Personnes : Léa Dupont") are linked to the
// request, so that a later revocation of their consent finds it. Inside the caller's
// transaction.
void link_named_persons(workflow::Store& store, std::int64_t request_id, std::string_view text,
                        const std::string& actor, workflow::TimePoint at);

class Intake {
 public:
  explicit Intake(Services& s) : s_(s) {}
  boost::asio::awaitable<connectors::email::Reply> deliver(connectors::email::Envelope envelope,
                                                           std::string raw);

 private:
  Services& s_;
};

}  // namespace relais::daemon
