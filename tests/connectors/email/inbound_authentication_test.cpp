#include <doctest/doctest.h>

#include "connectors/email/inbound_authentication.hpp"

namespace email = relais::connectors::email;
using Verdict = email::SenderAuthentication::Verdict;

namespace {
Verdict verdict(std::vector<std::string> headers, std::string_view from = "r@example.org") {
  return email::sender_authentication(headers, "mx.example.org", from).verdict;
}
}  // namespace

TEST_CASE("DMARC pass from the trusted server authenticates the sender") {
  CHECK(verdict({"mx.example.org; dkim=pass header.d=example.org; spf=pass "
                 "smtp.mailfrom=example.org; dmarc=pass (p=quarantine) header.from=example.org"}) ==
        Verdict::pass);
  // Folded, with a version, comments and upper case as Exchange writes it.
  CHECK(verdict({"MX.Example.ORG 1;\r\n\tspf=pass (sender IP is 192.0.2.1)\r\n"
                 "\tsmtp.mailfrom=example.org; dkim=pass (signature was verified)\r\n"
                 "\theader.d=example.org;dmarc=PASS action=none header.from=Example.org;"}) ==
        Verdict::pass);
  auto a = email::sender_authentication({"mx.example.org; dmarc=pass header.from=example.org"},
                                        "mx.example.org", "r@example.org");
  CHECK(a.detail == "dmarc=pass");
}

TEST_CASE("a DMARC failure is a failure, whatever DKIM said") {
  CHECK(verdict({"mx.example.org; dkim=pass header.d=other.net; dmarc=fail "
                 "header.from=example.org"}) == Verdict::fail);
  CHECK(verdict({"mx.example.org; dmarc=permerror header.from=example.org"}) == Verdict::fail);
  CHECK(verdict({"mx.example.org; dmarc=none header.from=example.org"}) == Verdict::unknown);
  // No DMARC policy published, or a DNS hiccup: an aligned DKIM signature still counts.
  CHECK(verdict({"mx.example.org; dkim=pass header.d=example.org; dmarc=none "
                 "header.from=example.org"}) == Verdict::pass);
  CHECK(verdict({"mx.example.org; dmarc=temperror header.from=example.org; dkim=pass "
                 "header.d=example.org"}) == Verdict::pass);
}

TEST_CASE("without DMARC, an aligned DKIM signature counts") {
  CHECK(verdict({"mx.example.org; dkim=pass header.d=example.org"}) == Verdict::pass);
  CHECK(verdict({"mx.example.org; dkim=pass header.i=@mail.example.org"}) == Verdict::pass);
  CHECK(verdict({"mx.example.org; dkim=pass header.d=example.org"}, "r@ville.example.org") ==
        Verdict::pass);
  // A signature by another domain says nothing about this From.
  CHECK(verdict({"mx.example.org; dkim=pass header.d=mailer.net"}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org; dkim=pass header.d=org"}, "r@example.org") == Verdict::unknown);
  CHECK(verdict({"mx.example.org; dkim=fail header.d=example.org"}) == Verdict::fail);
  CHECK(verdict({"mx.example.org; dkim=fail header.d=example.org; dkim=pass "
                 "header.d=example.org"}) == Verdict::pass);
  CHECK(verdict({"mx.example.org; spf=pass smtp.mailfrom=example.org"}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org; none"}) == Verdict::unknown);
}

TEST_CASE("headers written by anyone else are not believed") {
  // The sender's own header claiming a pass, below the trusted one.
  CHECK(verdict({"mx.example.org; dmarc=fail header.from=example.org",
                 "attacker.example; dmarc=pass header.from=example.org"}) == Verdict::fail);
  CHECK(verdict({"attacker.example; dmarc=pass header.from=example.org"}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org.attacker.example; dmarc=pass"}) == Verdict::unknown);
  // A result about another From header is not about this mail's From.
  CHECK(verdict({"mx.example.org; dmarc=pass header.from=attacker.example"}) == Verdict::unknown);
  // The topmost header of the trusted server decides.
  CHECK(verdict({"mx.example.org; dmarc=pass header.from=example.org",
                 "mx.example.org; dmarc=fail header.from=example.org"}) == Verdict::pass);
  CHECK(email::sender_authentication({"mx.example.org; dmarc=pass"}, "", "r@example.org").verdict ==
        Verdict::unknown);
  CHECK(verdict({}) == Verdict::unknown);
  CHECK(verdict({""}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org"}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org; dmarc"}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org; (unclosed comment dmarc=pass"}) == Verdict::unknown);
  CHECK(verdict({"mx.example.org; dmarc=pass header.from=\"example.org\""}) == Verdict::pass);
}
