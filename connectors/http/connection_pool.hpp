// Connections kept open between calls (HTTP/1.1 keep-alive), private to the HTTP client.
//
// Each connection owns the io_context its sockets belong to, so that a call still runs its I/O
// on the calling thread, and a connection moves between worker threads with the pool handing
// it to one call at a time. A connection is only taken back when the server did not ask to
// close it, and is dropped when idle longer than the server said (Keep-Alive: timeout) or than
// kIdleLimit, or when the server has closed it meanwhile (checked just before reuse, so that a
// create is not sent into a connection already half closed).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace relais::connectors::http {

struct Connection {
  using Clock = std::chrono::steady_clock;

  boost::asio::io_context io;
  boost::beast::tcp_stream tcp{io};
  // Set once the TLS handshake is done; refers to `tcp`, so it is destroyed first.
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream&>> tls;
  std::string key;      // where it leads: proxy, host, port, TLS
  bool reused = false;  // it carried an earlier exchange
  Clock::time_point idle_until;

  ~Connection();
};

class ConnectionPool {
 public:
  static constexpr std::chrono::seconds kIdleLimit{30};
  static constexpr std::size_t kMaxIdle = 16;

  // An open connection to `key` that is still usable, or null.
  std::unique_ptr<Connection> take(const std::string& key);
  // Back in the pool for `idle_for` (capped at kIdleLimit); the oldest goes when full.
  void give_back(std::unique_ptr<Connection> connection, std::chrono::seconds idle_for);
  std::size_t idle_count();

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  // oldest first
};

// Whether the peer has closed or reset the connection, or sent something unasked, while it
// was idle: then it cannot carry another request.
bool closed_by_peer(Connection& connection);

}  // namespace relais::connectors::http
