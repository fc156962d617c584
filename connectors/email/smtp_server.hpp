// The SMTP/LMTP listener: accepts connections on TCP or a Unix socket and runs one session
// coroutine each (smtp_server_session.hpp). listen() fails with a sentence when it cannot bind;
// a failing session only ends its own connection.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "connectors/email/smtp_server_protocol.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::email {

struct SmtpServerOptions {
  bool lmtp = false;
  std::string hostname = "relais";
  std::size_t max_message_bytes = 25 * 1024 * 1024;
  std::size_t max_recipients = 10;
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{600};
  std::function<bool(std::string_view address)> accept_recipient;  // lowercase addr-spec
};

// Called once per message after DATA. Must return 250 only once the message is durable; 4xx
// tells the client to retry. For LMTP the same reply is given for every accepted recipient.
using DeliverFn = std::function<boost::asio::awaitable<Reply>(Envelope, std::string message)>;

class SmtpServer {
 public:
  SmtpServer(boost::asio::any_io_executor ex, SmtpServerOptions opts, DeliverFn deliver);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Binds and starts accepting; "127.0.0.1:2525", "[::1]:2525" or "unix:/path/to.sock" (removes
  // a stale socket file first, never another kind of file). May be called for several addresses,
  // before the executor runs or from its thread.
  Result<void> listen(const std::string& address);
  // Stops accepting; idle sessions get "421 4.3.2 Service shutting down" and close; a session in
  // DATA/delivery finishes its message first. Completes when every session has ended.
  boost::asio::awaitable<void> stop();
  std::size_t active_sessions() const;
  // The port of the first TCP listener (useful after listening on port 0); 0 if none.
  std::uint16_t local_port() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace relais::connectors::email
