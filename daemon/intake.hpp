// Mail intake: a message handed over by the SMTP/LMTP listener becomes durable (raw bytes and
// attachments as content-addressed files, then one transaction: dedup, message row, request,
// media, outbox) before the listener answers 250. Unparseable input is quarantined, never
// dropped; a storage failure answers 451 so the client keeps and retries the message.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "connectors/email/smtp_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

class Intake {
 public:
  explicit Intake(Services& s) : s_(s) {}
  boost::asio::awaitable<connectors::email::Reply> deliver(connectors::email::Envelope envelope,
                                                           std::string raw);

 private:
  Services& s_;
};

}  // namespace relais::daemon
