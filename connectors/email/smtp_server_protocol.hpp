// The SMTP/LMTP server protocol without I/O: command-line parsing, a session state machine that
// turns each command into replies and an action, and a DATA reader fed with bytes. Bad input is
// answered with the RFC 5321 reply (500/501/503/550/552...), never thrown.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors::email {

struct Envelope {
  std::string helo;
  std::string mail_from;                // lowercase addr-spec; empty for the null sender <>
  std::vector<std::string> recipients;  // lowercase addr-specs, accepted ones only
  std::string remote;
  bool lmtp = false;
  // No SMTP envelope (a message read from an IMAP mailbox): the sender is the Return-Path the
  // delivering server wrote, or else the From address.
  bool sender_in_headers = false;
};

struct Reply {
  int code = 250;
  std::string text;  // may start with an enhanced code "2.0.0 ..."; '\n' separates lines
};

// "250-a\r\n250 b\r\n" for a Reply whose text has several lines.
std::string format_reply(const Reply& reply);

struct SmtpCommand {
  std::string verb;      // uppercase; empty for an empty line
  std::string argument;  // the rest of the line, surrounding whitespace removed
};
SmtpCommand parse_command_line(std::string_view line);

struct MailFromArgs {
  std::string address;  // lowercase; empty for <>
  std::optional<std::size_t> size;
  bool body_8bit = false;
};
// The argument of MAIL ("FROM:<a@b> SIZE=10 BODY=8BITMIME"); invalid_input names the fault.
Result<MailFromArgs> parse_mail_from(std::string_view argument);
// The argument of RCPT ("TO:<a@b>"); returns the lowercase address.
Result<std::string> parse_rcpt_to(std::string_view argument);

enum class SessionAction {
  none,        // write the replies, read the next command
  start_data,  // write the replies, then read the message with a DataReader
  deliver,     // hand envelope() and the message to the delivery function, then on_delivered()
  close,       // write the replies and close the connection
};

struct SessionStep {
  std::vector<Reply> replies;
  SessionAction action = SessionAction::none;
};

struct ProtocolOptions {
  bool lmtp = false;
  std::string hostname = "relais";
  std::size_t max_message_bytes = 25 * 1024 * 1024;
  std::size_t max_recipients = 10;
  std::function<bool(std::string_view address)> accept_recipient;  // empty: accept all
};

inline constexpr std::size_t kMaxCommandLine = 1000;  // bytes, CRLF included (RFC 5321 4.5.3.1)
inline constexpr int kMaxErrors = 10;

class SmtpProtocol {
 public:
  explicit SmtpProtocol(ProtocolOptions options);

  Reply greeting() const;
  // One command line, without its line ending.
  SessionStep on_command(std::string_view line);
  // A command line longer than kMaxCommandLine was read (and skipped).
  SessionStep on_line_too_long();
  // The DATA reader finished; too_big means the message was dropped.
  SessionStep on_data_end(bool too_big);
  // The delivery function answered; LMTP repeats it for every recipient. Ends the transaction.
  SessionStep on_delivered(const Reply& reply);
  Reply shutdown_reply() const;
  Reply timeout_reply() const;

  const Envelope& envelope() const { return envelope_; }
  bool in_transaction() const { return phase_ == Phase::mail || phase_ == Phase::rcpt; }

 private:
  enum class Phase { start, ready, mail, rcpt, data };
  SessionStep hello(const SmtpCommand& c, bool extended);
  SessionStep mail(const SmtpCommand& c);
  SessionStep rcpt(const SmtpCommand& c);
  SessionStep data(const SmtpCommand& c);
  SessionStep error(int code, std::string text);
  void reset_transaction();

  ProtocolOptions options_;
  Envelope envelope_;
  Phase phase_ = Phase::start;
  int errors_ = 0;
};

// Reads the DATA section: dot-unstuffing, ends at CRLF.CRLF (bare LF accepted). Keeps at most
// max_bytes of message; beyond that it reads on to the end and reports too_big().
class DataReader {
 public:
  explicit DataReader(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  // Consumes bytes up to and including the terminating line; returns how many were used.
  std::size_t feed(std::string_view bytes);
  bool done() const { return state_ == State::done; }
  bool too_big() const { return too_big_; }
  std::size_t received_bytes() const { return received_; }
  std::string take_message() { return std::move(message_); }

 private:
  enum class State { line_start, in_line, dot, dot_cr, done };
  void append(char c);

  std::size_t max_bytes_;
  std::string message_;
  std::size_t received_ = 0;  // message bytes seen, kept or not
  bool too_big_ = false;
  State state_ = State::line_start;
};

}  // namespace relais::connectors::email
