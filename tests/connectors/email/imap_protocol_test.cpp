// The IMAP wire format: responses as Dovecot, Exchange and Gmail write them, and the
// arguments the client sends.
#include <doctest/doctest.h>

#include "connectors/email/imap_client.hpp"
#include "connectors/email/imap_protocol.hpp"

using namespace relais::connectors::email;

TEST_CASE("imap: literals are found at the end of a line, LITERAL+ too") {
  CHECK(imap::literal_at_end("* 1 FETCH (UID 4 BODY[] {2310}") == 2310u);
  CHECK(imap::literal_at_end("A1 LOGIN {5+}") == 5u);
  CHECK_FALSE(imap::literal_at_end("* 1 FETCH (UID 4)").has_value());
  CHECK_FALSE(imap::literal_at_end("* OK {abc}").has_value());
  CHECK_FALSE(imap::literal_at_end("").has_value());
}

TEST_CASE("imap: tagged statuses, with and without a response code") {
  auto ok = imap::tagged_status("R3", "R3 OK [READ-WRITE] Select completed (0.001 secs).");
  REQUIRE(ok);
  CHECK(ok->kind == "OK");
  CHECK(ok->code == "READ-WRITE");
  CHECK(ok->text == "Select completed (0.001 secs).");
  auto no = imap::tagged_status("R4", "R4 no [AUTHENTICATIONFAILED] Authentication failed.");
  REQUIRE(no);
  CHECK(no->kind == "NO");
  CHECK(no->code == "AUTHENTICATIONFAILED");
  auto plain = imap::tagged_status("R5", "R5 BAD Error in IMAP command: Unknown command.");
  REQUIRE(plain);
  CHECK(plain->code.empty());
  CHECK_FALSE(imap::tagged_status("R5", "R50 OK done"));
  CHECK_FALSE(imap::tagged_status("R5", "* OK still here"));
  CHECK_FALSE(imap::tagged_status("R5", "R5 MAYBE"));
}

TEST_CASE("imap: untagged data the client reads") {
  CHECK(imap::response_code("* OK [UIDVALIDITY 3857529045] UIDs valid") ==
        std::pair<std::string, std::string>{"UIDVALIDITY", "3857529045"});
  CHECK(imap::response_code("* OK [uidnext 4392] Predicted next UID")->first == "UIDNEXT");
  CHECK_FALSE(imap::response_code("* OK no code here"));
  CHECK(imap::untagged_number("* 23 EXISTS", "EXISTS") == 23u);
  CHECK(imap::untagged_number("* 5 expunge", "EXPUNGE") == 5u);
  CHECK_FALSE(imap::untagged_number("* 23 RECENT", "EXISTS"));
  CHECK_FALSE(imap::untagged_number("* OK 23 EXISTS", "EXISTS"));
  const auto caps = imap::capabilities("* CAPABILITY IMAP4rev1 idle MOVE AUTH=XOAUTH2");
  REQUIRE(caps);
  CHECK(*caps == std::vector<std::string>{"IMAP4REV1", "IDLE", "MOVE", "AUTH=XOAUTH2"});
  const auto greeting = imap::capabilities(
      "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.");
  REQUIRE(greeting);
  CHECK(greeting->back() == "AUTH=PLAIN");
  CHECK(imap::search_result("* SEARCH 4 9 12") == std::vector<std::uint32_t>{4, 9, 12});
  CHECK(imap::search_result("* SEARCH") == std::vector<std::uint32_t>{});
  CHECK_FALSE(imap::search_result("* SEARCH 4 x"));
  CHECK_FALSE(imap::search_result("* 3 EXISTS"));
}

TEST_CASE("imap: a FETCH answer, its literal, flags and sections") {
  imap::Response r;
  r.line = R"(* 3 FETCH (UID 12 RFC822.SIZE 11 FLAGS (\Seen $Forwarded) BODY[] {11}))";
  r.literals = {"Subject: x\n"};
  auto f = imap::fetch_result(r);
  REQUIRE(f);
  CHECK(f->sequence == 3u);
  CHECK(f->uid == 12u);
  CHECK(f->size == 11u);
  CHECK(f->body == "Subject: x\n");
  CHECK(f->flags == std::vector<std::string>{"\\Seen", "$Forwarded"});

  // Items in another order, a quoted value and a section with spaces (Exchange's way).
  imap::Response other;
  other.line =
      R"(* 7 FETCH (BODY[HEADER.FIELDS (FROM TO)] {4} INTERNALDATE "17-Jul-1996 02:44:25 -0700" UID 99))";
  other.literals = {"a\r\n\r"};
  auto g = imap::fetch_result(other);
  REQUIRE(g);
  CHECK(g->uid == 99u);
  CHECK_FALSE(g->body.has_value());

  imap::Response broken;
  broken.line = "* 7 FETCH (UID 99 BODY[] {4}";
  CHECK_FALSE(imap::fetch_result(broken));  // the literal is missing, the list not closed
  broken.line = "* 7 FETCH UID 99";
  CHECK_FALSE(imap::fetch_result(broken));
}

TEST_CASE("imap: mailbox names in modified UTF-7, quoted") {
  CHECK(imap::modified_utf7("INBOX") == "INBOX");
  CHECK(imap::modified_utf7("relais/traités") == "relais/trait&AOk-s");
  CHECK(imap::modified_utf7("Éléments envoyés") == "&AMk-l&AOk-ments envoy&AOk-s");
  CHECK(imap::modified_utf7("A&B") == "A&-B");
  CHECK(imap::modified_utf7("日本語") == "&ZeVnLIqe-");  // RFC 3501's example
  CHECK(imap::modified_utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  CHECK(imap::mailbox_argument("a\"b\\c") == R"("a\"b\\c")");
  CHECK(imap::mailbox_argument("relais/traités") == "\"relais/trait&AOk-s\"");
}

TEST_CASE("imap: LOGIN's quoted strings refuse what they cannot carry") {
  CHECK(imap::quoted(R"(p"a\ss)").value() == R"("p\"a\\ss")");
  CHECK_FALSE(imap::quoted("line\r\nA1 DELETE INBOX").ok());
  CHECK_FALSE(imap::quoted("mot de passe éé").ok());
}

TEST_CASE("imap: the XOAUTH2 initial response as Google documents it") {
  CHECK(xoauth2_initial_response("someuser@example.com",
                                 "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg") ==
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhk"
        "SFJoZG1semRHRXVZMjl0Q2cBAQ==");
}
