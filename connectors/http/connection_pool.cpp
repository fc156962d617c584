#include "connectors/http/connection_pool.hpp"

#include <openssl/ssl.h>
#include <poll.h>

#include <algorithm>

namespace relais::connectors::http {

Connection::~Connection() {
  // No close_notify: the server gave the answer already, and waiting for its reply to a
  // close would hold a worker for nothing. Closing the socket is what idle clients do.
  tls.reset();
  boost::system::error_code ignored;
  tcp.socket().close(ignored);
}

bool closed_by_peer(Connection& connection) {
  auto& socket = connection.tcp.socket();
  if (!socket.is_open())
    return true;
  if (connection.tls && SSL_pending(connection.tls->native_handle()) > 0)
    return true;
  pollfd fd{};
  fd.fd = socket.native_handle();
  fd.events = POLLIN | POLLRDHUP;
  const int ready = ::poll(&fd, 1, 0);
  // Readable while idle means end of stream, a reset, a TLS alert, or bytes nobody asked for.
  return ready != 0;
}

std::unique_ptr<Connection> ConnectionPool::take(const std::string& key) {
  std::vector<std::unique_ptr<Connection>> dropped;  // closed outside the lock
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(mutex_);
    const auto now = Connection::Clock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      if ((*it)->idle_until <= now) {
        dropped.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    // The most recently used first: the likeliest to be still open at the other end.
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      if ((*it)->key == key) {
        found = std::move(*it);
        idle_.erase(std::next(it).base());
        break;
      }
    }
  }
  if (found && closed_by_peer(*found))
    found.reset();
  if (found)
    found->reused = true;
  return found;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection,
                               std::chrono::seconds idle_for) {
  if (idle_for <= std::chrono::seconds{0})
    return;
  connection->idle_until = Connection::Clock::now() + std::min(idle_for, kIdleLimit);
  std::unique_ptr<Connection> oldest;
  std::lock_guard lock(mutex_);
  if (idle_.size() >= kMaxIdle) {
    oldest = std::move(idle_.front());
    idle_.erase(idle_.begin());
  }
  idle_.push_back(std::move(connection));
}

std::size_t ConnectionPool::idle_count() {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace relais::connectors::http
