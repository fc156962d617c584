// Unit tests of the pure SMTP/LMTP protocol: command parsing, every verb, bad sequences, garbage,
// limits (recipients, SIZE, errors, line length) and the DATA reader (dot-stuffing, bare LF,
// oversized messages, split input).
#include <doctest/doctest.h>

#include "connectors/email/smtp_server_protocol.hpp"

namespace email = relais::connectors::email;
using email::SessionAction;

namespace {

email::SmtpProtocol make(bool lmtp = false, std::size_t max_recipients = 10) {
  email::ProtocolOptions o;
  o.lmtp = lmtp;
  o.hostname = "mx.test";
  o.max_message_bytes = 1000;
  o.max_recipients = max_recipients;
  o.accept_recipient = [](std::string_view a) { return a.ends_with("@example.org"); };
  return email::SmtpProtocol(std::move(o));
}

int code(const email::SessionStep& s) {
  REQUIRE(!s.replies.empty());
  return s.replies.front().code;
}

std::string text(const email::SessionStep& s) {
  REQUIRE(!s.replies.empty());
  return s.replies.front().text;
}

}  // namespace

TEST_CASE("parse_command_line") {
  auto c = email::parse_command_line("mail FROM:<a@b.c>  ");
  CHECK(c.verb == "MAIL");
  CHECK(c.argument == "FROM:<a@b.c>");
  c = email::parse_command_line("QuIt");
  CHECK(c.verb == "QUIT");
  CHECK(c.argument.empty());
  CHECK(email::parse_command_line("").verb.empty());
  CHECK(email::parse_command_line("\t EHLO\thost").verb == "EHLO");
}

TEST_CASE("parse_mail_from and parse_rcpt_to") {
  auto m = email::parse_mail_from("FROM:<Agent@Example.ORG> SIZE=1234 BODY=8BITMIME");
  REQUIRE(m.ok());
  CHECK(m->address == "agent@example.org");
  CHECK(m->size == 1234u);
  CHECK(m->body_8bit);
  m = email::parse_mail_from("from: <>");
  REQUIRE(m.ok());
  CHECK(m->address.empty());
  m = email::parse_mail_from("FROM:<@relay.example:a@b.c>");
  REQUIRE(m.ok());
  CHECK(m->address == "a@b.c");
  for (const char* bad : {"", "FROM:", "FROM:a@b.c", "FROM:<a@b.c", "TO:<a@b.c>", "FROM:<a b@c>",
                          "FROM:<nodomain>", "FROM:<a@>", "FROM:<@b.c>", "FROM:<a@b.c> SIZE=x",
                          "FROM:<a@b.c> SIZE=", "FROM:<a@b.c> SIZE=-1", "FROM:<a@b.c> BODY=9BIT",
                          "FROM:<a\x01@b.c>"}) {
    CHECK_MESSAGE(!email::parse_mail_from(bad).ok(), bad);
  }
  auto unknown = email::parse_mail_from("FROM:<a@b.c> AUTH=<>");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == relais::ErrorKind::unsupported);
  CHECK_FALSE(email::parse_mail_from("FROM:<" + std::string(300, 'a') + "@b.c>").ok());

  auto r = email::parse_rcpt_to("TO:<Pub@Example.org>");
  REQUIRE(r.ok());
  CHECK(*r == "pub@example.org");
  CHECK_FALSE(email::parse_rcpt_to("TO:<>").ok());
  CHECK_FALSE(email::parse_rcpt_to("FROM:<a@b.c>").ok());
  CHECK_FALSE(email::parse_rcpt_to("TO:<a@b.c> NOTIFY=NEVER").ok());
}

TEST_CASE("format_reply: single and multi-line") {
  CHECK(email::format_reply({250, "2.0.0 Ok"}) == "250 2.0.0 Ok\r\n");
  CHECK(email::format_reply({250, "a\nb\nc"}) == "250-a\r\n250-b\r\n250 c\r\n");
}

TEST_CASE("a whole SMTP transaction") {
  auto p = make();
  CHECK(email::format_reply(p.greeting()) == "220 mx.test ESMTP relais\r\n");
  auto s = p.on_command("EHLO client.test");
  CHECK(code(s) == 250);
  CHECK(email::format_reply(s.replies[0]) ==
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n"
        "250 ENHANCEDSTATUSCODES\r\n");
  CHECK(p.envelope().helo == "client.test");
  CHECK(code(p.on_command("MAIL FROM:<Agent@Example.org> SIZE=100")) == 250);
  CHECK(p.in_transaction());
  CHECK(code(p.on_command("RCPT TO:<pub@example.org>")) == 250);
  CHECK(code(p.on_command("rcpt to:<takedown@example.org>")) == 250);
  s = p.on_command("DATA");
  CHECK(code(s) == 354);
  CHECK(s.action == SessionAction::start_data);
  s = p.on_data_end(false);
  CHECK(s.replies.empty());
  CHECK(s.action == SessionAction::deliver);
  CHECK(p.envelope().mail_from == "agent@example.org");
  CHECK(p.envelope().recipients ==
        std::vector<std::string>{"pub@example.org", "takedown@example.org"});
  s = p.on_delivered({250, "2.0.0 Ok: queued as PUB-1"});
  REQUIRE(s.replies.size() == 1);  // SMTP: one reply per message
  CHECK(s.replies[0].text == "2.0.0 Ok: queued as PUB-1");
  CHECK_FALSE(p.in_transaction());
  // A second transaction on the same connection.
  CHECK(code(p.on_command("MAIL FROM:<>")) == 250);
  CHECK(p.envelope().mail_from.empty());
  s = p.on_command("QUIT");
  CHECK(code(s) == 221);
  CHECK(s.action == SessionAction::close);
}

TEST_CASE("LMTP: LHLO only, one reply per recipient") {
  auto p = make(true);
  CHECK(email::format_reply(p.greeting()) == "220 mx.test LMTP relais\r\n");
  CHECK(code(p.on_command("EHLO x")) == 500);
  CHECK(code(p.on_command("HELO x")) == 500);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 503);
  CHECK(code(p.on_command("LHLO x")) == 250);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 250);
  CHECK(code(p.on_command("RCPT TO:<one@example.org>")) == 250);
  CHECK(code(p.on_command("RCPT TO:<nobody@elsewhere.org>")) == 550);
  CHECK(code(p.on_command("RCPT TO:<two@example.org>")) == 250);
  CHECK(code(p.on_command("DATA")) == 354);
  CHECK(p.on_data_end(false).action == SessionAction::deliver);
  auto s = p.on_delivered({451, "4.3.0 Try later"});
  REQUIRE(s.replies.size() == 2);
  CHECK(s.replies[1].code == 451);
  CHECK(code(make(false).on_command("LHLO x")) == 500);  // SMTP does not know LHLO
}

TEST_CASE("simple verbs") {
  auto p = make();
  CHECK(code(p.on_command("NOOP")) == 250);
  CHECK(code(p.on_command("RSET")) == 250);
  CHECK(code(p.on_command("RSET now")) == 501);
  CHECK(code(p.on_command("VRFY postmaster")) == 252);
  CHECK(code(p.on_command("VRFY")) == 501);
  CHECK(code(p.on_command("HELP")) == 214);
  CHECK(code(p.on_command("HELO")) == 501);
  CHECK(code(p.on_command("EHLO two words")) == 501);
  CHECK(code(p.on_command("HELO host")) == 250);
  CHECK(text(p.on_command("HELO host")) == "mx.test");
}

TEST_CASE("bad sequences get 503") {
  auto p = make();
  CHECK(text(p.on_command("MAIL FROM:<a@b.c>")).starts_with("5.5.1"));
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 503);  // before EHLO
  CHECK(code(p.on_command("RCPT TO:<a@example.org>")) == 503);
  CHECK(code(p.on_command("DATA")) == 503);
  CHECK(code(p.on_command("EHLO c")) == 250);
  CHECK(code(p.on_command("RCPT TO:<a@example.org>")) == 503);  // before MAIL
  CHECK(code(p.on_command("DATA")) == 503);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 250);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 503);  // nested
  CHECK(code(p.on_command("DATA")) == 503);               // no recipient yet
  CHECK(code(p.on_command("RCPT TO:<nobody@else.org>")) == 550);
  CHECK(code(p.on_command("DATA")) == 503);  // still none accepted
  CHECK(code(p.on_command("RCPT TO:<a@example.org>")) == 250);
  CHECK(code(p.on_command("DATA now")) == 501);
  CHECK(code(p.on_command("RSET")) == 250);
  CHECK(code(p.on_command("DATA")) == 503);  // RSET ended the transaction
  CHECK(code(p.on_command("EHLO again")) == 250);
}

TEST_CASE("garbage commands, syntax errors and the error limit") {
  auto p = make();
  CHECK(code(p.on_command("EHLO c")) == 250);
  CHECK(code(p.on_command("")) == 500);
  CHECK(code(p.on_command("\x01\x02\xff")) == 500);
  CHECK(code(p.on_command("GET / HTTP/1.1")) == 500);
  CHECK(code(p.on_command("MAIL TO:<a@b.c>")) == 501);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c> FOO=1")) == 555);
  CHECK(code(p.on_command("STARTTLS")) == 500);
  CHECK(code(p.on_line_too_long()) == 500);
  CHECK(code(p.on_command("BDAT 10 LAST")) == 500);
  auto s = p.on_command("AUTH PLAIN");
  CHECK(s.action == SessionAction::none);  // 9 errors so far
  s = p.on_command("XYZZY");
  REQUIRE(s.replies.size() == 2);
  CHECK(s.replies[0].code == 500);
  CHECK(s.replies[1].code == 421);
  CHECK(s.action == SessionAction::close);
}

TEST_CASE("recipient limits and refusals") {
  auto p = make(false, 2);
  CHECK(code(p.on_command("EHLO c")) == 250);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 250);
  auto s = p.on_command("RCPT TO:<stranger@elsewhere.org>");
  CHECK(code(s) == 550);
  CHECK(text(s) == "5.1.1 <stranger@elsewhere.org>: recipient not accepted here");
  CHECK(code(p.on_command("RCPT TO:<a@example.org>")) == 250);
  CHECK(code(p.on_command("RCPT TO:<b@example.org>")) == 250);
  s = p.on_command("RCPT TO:<c@example.org>");
  CHECK(code(s) == 452);
  CHECK(text(s) == "4.5.3 Too many recipients");
  CHECK(p.envelope().recipients.size() == 2);
  CHECK(code(p.on_command("RCPT TO:<bad syntax>")) == 501);
}

TEST_CASE("SIZE over the limit and oversized DATA give 552") {
  auto p = make();
  CHECK(code(p.on_command("EHLO c")) == 250);
  auto s = p.on_command("MAIL FROM:<a@b.c> SIZE=1001");
  CHECK(code(s) == 552);
  CHECK(code(p.on_command("MAIL FROM:<a@b.c> SIZE=1000")) == 250);
  CHECK(code(p.on_command("RCPT TO:<a@example.org>")) == 250);
  CHECK(code(p.on_command("DATA")) == 354);
  s = p.on_data_end(true);
  CHECK(code(s) == 552);
  CHECK(text(s).starts_with("5.3.4 Message too big: the size limit is "));
  CHECK(s.action == SessionAction::none);
  CHECK_FALSE(p.in_transaction());
  CHECK(code(p.on_command("MAIL FROM:<a@b.c>")) == 250);  // the session goes on
  CHECK(p.shutdown_reply().code == 421);
  CHECK(p.shutdown_reply().text.starts_with("4.3.2"));
  CHECK(p.timeout_reply().code == 421);
}

TEST_CASE("DataReader: CRLF, dot-stuffing, leftover bytes") {
  email::DataReader r(1000);
  const std::string input = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
  const std::size_t used = r.feed(input);
  CHECK(r.done());
  CHECK_FALSE(r.too_big());
  CHECK(input.substr(used) == "QUIT\r\n");
  CHECK(r.take_message() == "Subject: x\r\n\r\n.leading dot\r\n");
}

TEST_CASE("DataReader: bare LF, byte by byte, empty message") {
  email::DataReader r(1000);
  const std::string input = "a\n..b\n.c\n.\n";
  for (char c : input) {
    CHECK_FALSE(r.done());
    CHECK(r.feed(std::string_view(&c, 1)) == 1);
  }
  CHECK(r.done());
  CHECK(r.take_message() == "a\n.b\nc\n");
  CHECK(r.feed("more") == 0);

  email::DataReader empty(10);
  empty.feed(".\r\n");
  CHECK(empty.done());
  CHECK(empty.take_message().empty());

  email::DataReader not_end(100);
  not_end.feed("a.\r\n .\r\n.x\r\n.\rz\r\n");  // none of these end the message
  CHECK_FALSE(not_end.done());
  not_end.feed("\r\n.\r\n");
  CHECK(not_end.done());
  CHECK(not_end.take_message() == "a.\r\n .\r\nx\r\n\rz\r\n\r\n");
}

TEST_CASE("DataReader: oversized message is read to its end, never buffered past the limit") {
  email::DataReader r(100);
  const std::string line(50, 'x');
  for (int i = 0; i < 1000; ++i) {
    r.feed(line + "\r\n");
  }
  CHECK(r.too_big());
  CHECK_FALSE(r.done());
  CHECK(r.take_message().size() <= 100);
  CHECK(r.feed(".\r\nNOOP\r\n") == 3);
  CHECK(r.done());
  CHECK(r.received_bytes() == 52000u);

  email::DataReader exact(4);
  exact.feed("abc\n.\n");
  CHECK_FALSE(exact.too_big());
  CHECK(exact.take_message() == "abc\n");
}
