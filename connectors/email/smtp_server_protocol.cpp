// SMTP/LMTP protocol state machine and DATA reader (see smtp_server_protocol.hpp). Pure: no I/O,
// no clock. Replies follow RFC 5321 with RFC 3463 enhanced codes.
#include "connectors/email/smtp_server_protocol.hpp"

#include <fmt/format.h>
#include "workflow/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace relais::connectors::email {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "<addr>" after "FROM:"/"TO:"; returns the address and the rest (parameters).
Result<std::pair<std::string, std::string_view>> parse_path(std::string_view arg,
                                                            std::string_view keyword) {
  if (arg.size() < keyword.size() || upper(arg.substr(0, keyword.size())) != keyword) {
    return invalid_input("Syntax: expected " + std::string(keyword) + "<address>.");
  }
  arg = trim(arg.substr(keyword.size()));
  if (arg.empty() || arg.front() != '<') {
    return invalid_input("Syntax: the address must be written <address>.");
  }
  const std::size_t close = arg.find('>');
  if (close == std::string_view::npos) {
    return invalid_input("Syntax: missing '>' after the address.");
  }
  std::string_view addr = arg.substr(1, close - 1);
  // A source route "@a,@b:user@d" is obsolete; the mailbox is what follows the colon.
  if (!addr.empty() && addr.front() == '@') {
    const std::size_t colon = addr.find(':');
    if (colon == std::string_view::npos) {
      return invalid_input("Syntax: bad source route.");
    }
    addr = addr.substr(colon + 1);
  }
  if (addr.size() > 254) {
    return invalid_input("The address is too long.");
  }
  for (char c : addr) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>') {
      return invalid_input("Syntax: the address holds a forbidden character.");
    }
  }
  if (!addr.empty()) {
    const std::size_t at = addr.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()) {
      return invalid_input("Syntax: the address must be local-part@domain.");
    }
  }
  return std::pair<std::string, std::string_view>{lower(addr), trim(arg.substr(close + 1))};
}

}  // namespace

std::string format_reply(const Reply& reply) {
  std::string out;
  std::string_view text = reply.text;
  const std::string code = std::to_string(reply.code);
  for (;;) {
    const std::size_t nl = text.find('\n');
    out += code;
    out += nl == std::string_view::npos ? ' ' : '-';
    out += text.substr(0, nl);
    out += "\r\n";
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
  return out;
}

SmtpCommand parse_command_line(std::string_view line) {
  line = trim(line);
  const std::size_t sp = line.find_first_of(" \t");
  SmtpCommand c;
  c.verb = upper(line.substr(0, sp));
  if (sp != std::string_view::npos) {
    c.argument = std::string(trim(line.substr(sp + 1)));
  }
  return c;
}

Result<MailFromArgs> parse_mail_from(std::string_view argument) {
  auto path = parse_path(argument, "FROM:");
  if (!path) {
    return path.error();
  }
  MailFromArgs out;
  out.address = std::move(path->first);
  std::string_view params = path->second;
  while (!params.empty()) {
    const std::size_t sp = params.find_first_of(" \t");
    const std::string_view param = params.substr(0, sp);
    params = sp == std::string_view::npos ? std::string_view() : trim(params.substr(sp));
    const std::size_t eq = param.find('=');
    const std::string key = upper(param.substr(0, eq));
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    if (key == "SIZE") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
        return invalid_input("Syntax: SIZE takes a number of bytes.");
      }
      out.size = n;
    } else if (key == "BODY") {
      const std::string v = upper(value);
      if (v != "7BIT" && v != "8BITMIME") {
        return invalid_input("Syntax: BODY is 7BIT or 8BITMIME.");
      }
      out.body_8bit = v == "8BITMIME";
    } else {
      return Error{ErrorKind::unsupported, "Unsupported MAIL parameter " + key + "."};
    }
  }
  return out;
}

Result<std::string> parse_rcpt_to(std::string_view argument) {
  auto path = parse_path(argument, "TO:");
  if (!path) {
    return path.error();
  }
  if (path->first.empty()) {
    return invalid_input("Syntax: a recipient cannot be empty.");
  }
  if (!path->second.empty()) {
    return Error{ErrorKind::unsupported, "RCPT parameters are not supported."};
  }
  return std::move(path->first);
}

SmtpProtocol::SmtpProtocol(ProtocolOptions options) : options_(std::move(options)) {
  envelope_.lmtp = options_.lmtp;
}

Reply SmtpProtocol::greeting() const {
  return {220, options_.hostname + (options_.lmtp ? " LMTP relais" : " ESMTP relais")};
}

Reply SmtpProtocol::shutdown_reply() const {
  return {421, "4.3.2 " + options_.hostname + " Service shutting down"};
}

Reply SmtpProtocol::timeout_reply() const {
  return {421, "4.4.2 " + options_.hostname + " Timeout, closing connection"};
}

void SmtpProtocol::reset_transaction() {
  envelope_.mail_from.clear();
  envelope_.recipients.clear();
  if (phase_ != Phase::start) {
    phase_ = Phase::ready;
  }
}

SessionStep SmtpProtocol::error(int code, std::string text) {
  SessionStep step;
  step.replies.push_back({code, std::move(text)});
  if (code >= 500 && ++errors_ >= kMaxErrors) {
    step.replies.push_back({421, "4.7.0 " + options_.hostname + " Too many errors, closing"});
    step.action = SessionAction::close;
  }
  return step;
}

SessionStep SmtpProtocol::on_line_too_long() {
  return error(500, "5.5.2 Line too long");
}

SessionStep SmtpProtocol::on_command(std::string_view line) {
  const SmtpCommand c = parse_command_line(line);
  const std::string& v = c.verb;
  if (v == "EHLO" || v == "HELO") {
    if (options_.lmtp) {
      return error(500, "5.5.1 This is an LMTP server: use LHLO");
    }
    return hello(c, v == "EHLO");
  }
  if (v == "LHLO" && options_.lmtp) {
    return hello(c, true);
  }
  if (v == "MAIL") {
    return mail(c);
  }
  if (v == "RCPT") {
    return rcpt(c);
  }
  if (v == "DATA") {
    return data(c);
  }
  if (v == "RSET") {
    if (!c.argument.empty()) {
      return error(501, "5.5.4 Syntax: RSET");
    }
    reset_transaction();
    return {{{250, "2.0.0 Ok"}}};
  }
  if (v == "NOOP") {
    return {{{250, "2.0.0 Ok"}}};
  }
  if (v == "QUIT") {
    return {{{221, "2.0.0 " + options_.hostname + " Bye"}}, SessionAction::close};
  }
  if (v == "VRFY") {
    if (c.argument.empty()) {
      return error(501, "5.5.4 Syntax: VRFY address");
    }
    return {{{252, "2.0.0 Cannot VRFY, but will accept the message and attempt delivery"}}};
  }
  if (v == "HELP") {
    return {{{214, std::string("2.0.0 Commands: ") + (options_.lmtp ? "LHLO" : "EHLO HELO") +
                       " MAIL RCPT DATA RSET NOOP QUIT VRFY HELP"}}};
  }
  return error(500, "5.5.2 Error: command not recognized");
}

SessionStep SmtpProtocol::hello(const SmtpCommand& c, bool extended) {
  if (c.argument.empty() || c.argument.find_first_of(" \t") != std::string::npos) {
    return error(501, "5.5.4 Syntax: " + c.verb + " hostname");
  }
  phase_ = Phase::ready;
  reset_transaction();
  envelope_.helo = c.argument;
  if (!extended) {
    return {{{250, options_.hostname}}};
  }
  return {
      {{250, options_.hostname + "\nPIPELINING\nSIZE " +
                 std::to_string(options_.max_message_bytes) + "\n8BITMIME\nENHANCEDSTATUSCODES"}}};
}

SessionStep SmtpProtocol::mail(const SmtpCommand& c) {
  if (phase_ == Phase::start) {
    return error(
        503, std::string("5.5.1 Error: send ") + (options_.lmtp ? "LHLO" : "HELO/EHLO") + " first");
  }
  if (phase_ != Phase::ready) {
    return error(503, "5.5.1 Error: nested MAIL command");
  }
  auto args = parse_mail_from(c.argument);
  if (!args) {
    if (args.error().kind == ErrorKind::unsupported) {
      return error(555, "5.5.4 " + args.error().message);
    }
    return error(501, "5.5.4 " + args.error().message);
  }
  if (args->size && *args->size > options_.max_message_bytes) {
    return error(552, "5.3.4 Message size exceeds fixed maximum message size");
  }
  envelope_.mail_from = args->address;
  phase_ = Phase::mail;
  return {{{250, "2.1.0 Ok"}}};
}

SessionStep SmtpProtocol::rcpt(const SmtpCommand& c) {
  if (phase_ != Phase::mail && phase_ != Phase::rcpt) {
    return error(503, "5.5.1 Error: need MAIL command");
  }
  auto addr = parse_rcpt_to(c.argument);
  if (!addr) {
    return error(addr.error().kind == ErrorKind::unsupported ? 555 : 501,
                 "5.5.4 " + addr.error().message);
  }
  if (envelope_.recipients.size() >= options_.max_recipients) {
    return {{{452, "4.5.3 Too many recipients"}}};
  }
  if (options_.accept_recipient && !options_.accept_recipient(*addr)) {
    return error(550, "5.1.1 <" + *addr + ">: recipient not accepted here");
  }
  envelope_.recipients.push_back(std::move(*addr));
  phase_ = Phase::rcpt;
  return {{{250, "2.1.5 Ok"}}};
}

SessionStep SmtpProtocol::data(const SmtpCommand& c) {
  if (phase_ == Phase::mail) {
    return error(503, "5.5.1 Error: need RCPT command (no valid recipients)");
  }
  if (phase_ != Phase::rcpt) {
    return error(503, "5.5.1 Error: need MAIL command");
  }
  if (!c.argument.empty()) {
    return error(501, "5.5.4 Syntax: DATA");
  }
  phase_ = Phase::data;
  return {{{354, "End data with <CR><LF>.<CR><LF>"}}, SessionAction::start_data};
}

SessionStep SmtpProtocol::on_data_end(bool too_big) {
  if (too_big) {
    reset_transaction();
    // The sender's server puts this text in its bounce: say what the limit is.
    return {{{552, fmt::format("5.3.4 Message too big: the size limit is {} MB",
                               options_.max_message_bytes / (1024 * 1024))}}};
  }
  return {{}, SessionAction::deliver};
}

SessionStep SmtpProtocol::on_delivered(const Reply& reply) {
  SessionStep step;
  const std::size_t n = options_.lmtp ? envelope_.recipients.size() : 1;
  for (std::size_t i = 0; i < n; ++i) {
    step.replies.push_back(reply);
  }
  reset_transaction();
  return step;
}

void DataReader::append(char c) {
  ++received_;
  if (too_big_) {
    return;
  }
  if (message_.size() >= max_bytes_) {
    too_big_ = true;
    message_.clear();
    message_.shrink_to_fit();
    return;
  }
  message_.push_back(c);
}

std::size_t DataReader::feed(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && state_ != State::done) {
    const char c = bytes[i++];
    switch (state_) {
      case State::line_start:
        if (c == '.') {
          state_ = State::dot;
          break;
        }
        [[fallthrough]];
      case State::in_line:
        append(c);
        state_ = c == '\n' ? State::line_start : State::in_line;
        break;
      case State::dot:
        if (c == '\r') {
          state_ = State::dot_cr;
        } else if (c == '\n') {
          state_ = State::done;  // ".\n": bare LF terminator
        } else {
          append(c);  // the leading dot was stuffing
          state_ = State::in_line;
        }
        break;
      case State::dot_cr:
        if (c == '\n') {
          state_ = State::done;
        } else {
          append('\r');  // ".\rX": a stuffed line starting with CR
          append(c);
          state_ = State::in_line;
        }
        break;
      case State::done:
        break;
    }
  }
  return i;
}

}  // namespace relais::connectors::email
