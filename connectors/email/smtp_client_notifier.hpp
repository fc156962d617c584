// A Notifier that submits mail to an SMTP relay with libcurl (blocking: run it on the worker pool,
// never on the I/O thread). Errors: SMTP 4xx and network/TLS failures are transient, SMTP 5xx
// permanent, a malformed envelope invalid_input; each comes with a sentence, never the password.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/connector.hpp"

namespace relais::connectors::email {

enum class SmtpTls {
  starttls,  // plain connection upgraded with STARTTLS; refusing to go on without it
  implicit,  // TLS from the first byte (smtps, usually port 465)
  none,      // clear text: only allowed to a loopback host (a local MTA)
};

// "starttls", "implicit" or "none"; nullopt for anything else.
std::optional<SmtpTls> parse_smtp_tls(std::string_view text);

struct SmtpClientOptions {
  std::string host;  // name or IP literal (IPv6 with or without brackets)
  std::uint16_t port = 587;
  SmtpTls tls = SmtpTls::starttls;
  std::string username;  // empty: no AUTH
  std::string password;  // read from its file by the caller; never logged
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(120)};
  std::string helo_name;  // EHLO name; empty: the local host name
  std::string ca_file;    // optional CA bundle (private CA); empty: the system store
  // XOAUTH2 instead of the password (Microsoft 365, Google): an access token for `username`,
  // renewed by the caller; called with the token the server last refused ("" otherwise),
  // which must then not be given again. Empty: the password.
  std::function<Result<std::string>(const std::string& refused)> bearer;
};

// True for "localhost", 127.0.0.0/8 and ::1.
bool is_loopback_host(std::string_view host);

class SmtpClientNotifier : public Notifier {
 public:
  // Checks the options (host and EHLO name syntax, a non-zero port, tls "none" only for loopback
  // hosts, no line break in the credentials); invalid_input otherwise. Does not connect.
  static Result<std::unique_ptr<SmtpClientNotifier>> create(SmtpClientOptions options);

  // One SMTP transaction: EHLO, STARTTLS (certificate verified), AUTH when a username is set,
  // MAIL FROM (the null sender "<>" when envelope_from is empty), RCPT TO each recipient (any
  // refusal fails the whole send), DATA (curl does the dot-stuffing).
  Result<void> send(const OutgoingMail& mail) override;

 private:
  SmtpClientNotifier(SmtpClientOptions options, std::string url);

  SmtpClientOptions options_;
  std::string url_;
  std::mutex refused_mutex_;
  std::string refused_token_;  // the last token the server refused
};

}  // namespace relais::connectors::email
