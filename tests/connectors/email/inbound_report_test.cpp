#include <doctest/doctest.h>

#include "connectors/email/inbound_report.hpp"
#include "connectors/email/mime_reader.hpp"

namespace email = relais::connectors::email;

namespace {
// What Postfix sends back for an unknown user, as it writes it (CRLF).
constexpr std::string_view kPostfixBounce =
    "Return-Path: <>\r\n"
    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
    "To: publications@example.org\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "Message-Id: <20261124101500.ABC@mx.example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"B1\"\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is the mail system at host mx.example.org.\r\n"
    "I'm sorry to have to inform you that your message could not\r\n"
    "be delivered to one or more recipients.\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.org\r\n"
    "X-Postfix-Queue-ID: ABC\r\n"
    "Arrival-Date: Tue, 24 Nov 2026 10:14:59 +0100 (CET)\r\n"
    "\r\n"
    "Final-Recipient: rfc822; Parti@Example.org\r\n"
    "Original-Recipient: rfc822;parti@example.org\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mail.example.org\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <parti@example.org>: Recipient address\r\n"
    "    rejected: User unknown in virtual mailbox table\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Description: Undelivered Message Headers\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "From: relais <publications@example.org>\r\n"
    "To: parti@example.org\r\n"
    "Message-ID:\r\n"
    " <relais.1.3.0.abcdef@example.org>\r\n"
    "Subject: [PUB-2026-0001] Bien reçu\r\n"
    "\r\n"
    "--B1--\r\n";
}  // namespace

TEST_CASE("a Postfix bounce: the failed recipient, its status and our returned message") {
  auto m = email::parse_mail(kPostfixBounce);
  REQUIRE(m);
  CHECK(email::is_automatic(*m));
  CHECK(m->attached_message_id == "relais.1.3.0.abcdef@example.org");
  CHECK(m->attachments.empty());
  const auto r = email::read_delivery_status(m->delivery_status);
  REQUIRE(r.size() == 1);
  CHECK(r[0].recipient == "parti@example.org");
  CHECK(r[0].action == "failed");
  CHECK(r[0].status == "5.1.1");
  CHECK(r[0].diagnostic ==
        "550 5.1.1 <parti@example.org>: Recipient address rejected: User unknown in virtual "
        "mailbox table");
  CHECK(r[0].permanent());
}

TEST_CASE("several recipients, delays, and blocks without a recipient") {
  const auto r = email::read_delivery_status(
      "Reporting-MTA: dns; mx\n\n"
      "Final-Recipient: RFC822;<a@example.org>\nAction: delayed\nStatus: 4.2.2\n"
      "Diagnostic-Code: smtp;452 4.2.2 Mailbox full\n\n"
      "Action: failed\nStatus: 5.0.0\n\n"
      "Original-Recipient: rfc822; b@example.org\nAction: Failed\nStatus: 5.0.0 (permanent)\n");
  REQUIRE(r.size() == 2);
  CHECK(r[0].recipient == "a@example.org");
  CHECK_FALSE(r[0].permanent());
  CHECK(r[0].diagnostic == "452 4.2.2 Mailbox full");
  CHECK(r[1].recipient == "b@example.org");
  CHECK(r[1].action == "failed");
  CHECK(r[1].status == "5.0.0");
  CHECK(email::read_delivery_status("").empty());
  CHECK(email::read_delivery_status("garbage without structure").empty());
  CHECK(email::read_delivery_status("\n\nFinal-Recipient: rfc822; not-an-address\n").empty());
}

TEST_CASE(
    "the original attached as message/rfc822 gives its Message-ID; vendor headers mark "
    "automatic replies") {
  auto m = email::parse_mail(
      "From: postmaster@example.org\r\nTo: publications@example.org\r\nSubject: NDR\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n"
      "--x\r\nContent-Type: text/plain\r\n\r\nDelivery has failed.\r\n"
      "--x\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;ex\r\n\r\n"
      "Final-Recipient: rfc822;c@example.org\r\nAction: failed\r\nStatus: 5.4.1\r\n\r\n"
      "--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: publications@example.org\r\n"
      "Message-ID: <orig@example.org>\r\nSubject: x\r\n\r\nbody\r\n--x--\r\n");
  REQUIRE(m);
  CHECK(m->attached_message_id == "orig@example.org");
  CHECK(email::read_delivery_status(m->delivery_status).at(0).recipient == "c@example.org");

  auto ooo = email::parse_mail(
      "From: referent@example.org\r\nTo: publications@example.org\r\n"
      "Subject: Réponse automatique : x\r\nX-Auto-Response-Suppress: All\r\n\r\nAbsent.\r\n");
  REQUIRE(ooo);
  CHECK(ooo->vendor_auto_reply);
  CHECK(email::is_automatic(*ooo));
  CHECK(ooo->delivery_status.empty());
}
