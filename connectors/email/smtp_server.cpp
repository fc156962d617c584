// SmtpServer: listeners and session bookkeeping (see smtp_server.hpp). Everything runs on one
// strand, so the session list and counters need no lock; active_sessions() reads an atomic.
#include "connectors/email/smtp_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <list>
#include <string>
#include <variant>
#include <vector>

#include "connectors/email/smtp_server_session.hpp"

namespace relais::connectors::email {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

std::shared_ptr<spdlog::logger> smtp_log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("smtp");
    return existing ? existing : spdlog::default_logger()->clone("smtp");
  }();
  return logger;
}

struct SmtpServer::State : std::enable_shared_from_this<SmtpServer::State> {
  State(asio::any_io_executor ex, SmtpServerOptions o, DeliverFn d)
      : strand(asio::make_strand(ex)),
        options(std::move(o)),
        deliver(std::move(d)),
        all_ended(strand, asio::steady_timer::time_point::max()) {}

  asio::strand<asio::any_io_executor> strand;
  SmtpServerOptions options;
  DeliverFn deliver;
  std::list<tcp::acceptor> tcp_acceptors;
  std::list<unix_socket::acceptor> unix_acceptors;
  std::vector<std::string> unix_paths;  // removed on stop, so no stale socket is left behind
  std::list<std::shared_ptr<SessionControl>> sessions;
  asio::steady_timer all_ended;  // cancelled when the last session ends
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint16_t> first_port{0};
  bool stopping = false;

  template <class Socket>
  void start_session(Socket socket, std::string remote) {
    auto control = std::make_shared<SessionControl>(strand);
    sessions.push_back(control);
    ++active;
    auto self = shared_from_this();
    asio::co_spawn(strand, run_session(self, std::move(socket), remote, control),
                   [self, control, remote](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         smtp_log()->error("event=smtp_session_failed remote={} error=\"{}\"",
                                           remote, ex.what());
                       }
                     }
                     self->sessions.remove(control);
                     if (--self->active == 0) {
                       self->all_ended.cancel();
                     }
                   });
  }

  // Coroutine parameters live in the coroutine frame; lambda captures would not (the lambda is
  // gone once co_spawn has started it).
  template <class Socket>
  static asio::awaitable<void> run_session(std::shared_ptr<State> self, Socket socket,
                                           std::string remote,
                                           std::shared_ptr<SessionControl> control) {
    co_await serve_smtp_session(socket, self->options, self->deliver, remote, control);
    boost::system::error_code ignored;
    socket.shutdown(Socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  static asio::awaitable<void> stop_all(std::shared_ptr<State> st) {
    st->stopping = true;
    boost::system::error_code ignored;
    for (auto& a : st->tcp_acceptors) {
      a.close(ignored);
    }
    for (auto& a : st->unix_acceptors) {
      a.close(ignored);
    }
    for (auto& s : st->sessions) {
      s->request_stop();
    }
    smtp_log()->info("event=smtp_stopping sessions={}", st->active.load());
    while (st->active > 0) {
      co_await st->all_ended.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  template <class Acceptor>
  asio::awaitable<void> accept_loop(Acceptor& acceptor, std::string where) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || stopping || !acceptor.is_open()) {
        co_return;
      }
      if (ec) {
        // Out of descriptors and the like: say so, and keep accepting.
        smtp_log()->warn("event=smtp_accept_failed listen={} error=\"{}\"", where, ec.message());
        continue;
      }
      std::string remote = where;
      if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
        boost::system::error_code rec;
        const auto ep = socket.remote_endpoint(rec);
        remote = rec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
      }
      start_session(std::move(socket), std::move(remote));
    }
  }

  template <class Acceptor>
  void spawn_accept_loop(Acceptor& acceptor, std::string where) {
    asio::co_spawn(strand, accept_loop(acceptor, where),
                   [self = shared_from_this(), where](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         smtp_log()->error("event=smtp_accept_loop_failed listen={} error=\"{}\"",
                                           where, ex.what());
                       }
                     }
                   });
  }
};

SmtpServer::SmtpServer(asio::any_io_executor ex, SmtpServerOptions opts, DeliverFn deliver)
    : state_(std::make_shared<State>(std::move(ex), std::move(opts), std::move(deliver))) {}

SmtpServer::~SmtpServer() {
  // Coroutines keep the state alive; closing the acceptors lets their loops end.
  asio::dispatch(state_->strand, [st = state_] {
    st->stopping = true;
    boost::system::error_code ignored;
    for (auto& a : st->tcp_acceptors) {
      a.close(ignored);
    }
    for (auto& a : st->unix_acceptors) {
      a.close(ignored);
    }
    for (const auto& path : st->unix_paths) {
      std::error_code fec;
      std::filesystem::remove(path, fec);
    }
  });
}

namespace {

Error listen_error(const std::string& address, const std::string& why) {
  return permanent("Cannot listen for mail on " + address + ": " + why + ".");
}

}  // namespace

Result<void> SmtpServer::listen(const std::string& address) {
  State& st = *state_;
  boost::system::error_code ec;
  if (address.starts_with("unix:")) {
    const std::string path = address.substr(5);
    if (path.empty()) {
      return listen_error(address, "the socket path is empty");
    }
    std::error_code fec;
    const auto status = std::filesystem::symlink_status(path, fec);
    if (!fec && std::filesystem::exists(status)) {
      if (!std::filesystem::is_socket(status)) {
        return listen_error(address, "a file that is not a socket is in the way");
      }
      std::filesystem::remove(path, fec);  // stale socket of an earlier run
    }
    unix_socket::acceptor acceptor(st.strand);
    acceptor.open(unix_socket(), ec);
    if (!ec) {
      acceptor.bind(unix_socket::endpoint(path), ec);
    }
    if (!ec) {
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return listen_error(address, ec.message());
    }
    // The MTA connects as another user (postfix): anyone may write to the socket, and who may
    // reach it is decided by the directory it is in (README, "Receiving mail from Postfix").
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read |
                                           std::filesystem::perms::group_write |
                                           std::filesystem::perms::others_read |
                                           std::filesystem::perms::others_write,
                                 fec);
    if (fec) {
      return listen_error(address, "the socket's permissions cannot be set: " + fec.message());
    }
    st.unix_acceptors.push_back(std::move(acceptor));
    st.unix_paths.push_back(path);
    st.spawn_accept_loop(st.unix_acceptors.back(), address);
    smtp_log()->info("event=smtp_listening listen={} lmtp={}", address, st.options.lmtp);
    return {};
  }

  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return listen_error(address, "expected host:port or unix:/path");
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1 || port > 65535) {
      throw std::out_of_range("port");
    }
  } catch (const std::exception&) {
    return listen_error(address, "the port is not a number from 0 to 65535");
  }
  const auto ip = asio::ip::make_address(host, ec);
  if (ec) {
    return listen_error(address, "the host is not an IP address");
  }
  const tcp::endpoint endpoint(ip, static_cast<std::uint16_t>(port));
  tcp::acceptor acceptor(st.strand);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return listen_error(address, ec.message());
  }
  const auto bound = acceptor.local_endpoint(ec).port();
  if (st.first_port == 0) {
    st.first_port = bound;
  }
  st.tcp_acceptors.push_back(std::move(acceptor));
  st.spawn_accept_loop(st.tcp_acceptors.back(), address);
  smtp_log()->info("event=smtp_listening listen={} port={} lmtp={}", address, bound,
                   st.options.lmtp);
  return {};
}

asio::awaitable<void> SmtpServer::stop() {
  co_await asio::co_spawn(state_->strand, State::stop_all(state_), asio::use_awaitable);
}

std::size_t SmtpServer::active_sessions() const {
  return state_->active;
}

std::uint16_t SmtpServer::local_port() const {
  return state_->first_port;
}

}  // namespace relais::connectors::email
