// Expected endings (end_of_stream, timeouts, operation_aborted on stop) are values, not
// errors; one catch at the co_spawn completion logs anything else.
#include "daemon/http_server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>

#include <array>

namespace relais::daemon {

HttpResponse plain(http::status status, std::string body, std::string_view type) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, type);
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  return res;
}
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

Result<tcp::endpoint> parse_endpoint(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos)
    return invalid_input("expected host:port, got " + host_port);
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec)
    return invalid_input(fmt::format("not an IP address: {}", host));
  int port = 0;
  try {
    port = std::stoi(host_port.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return invalid_input(fmt::format("bad port in {}", host_port));
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

HttpServer::HttpServer(asio::any_io_executor ex, Router router, BodyLimits limits)
    : ex_(ex), router_(std::move(router)), limits_(std::move(limits)), acceptor_(ex) {}

Result<void> HttpServer::listen(const std::string& host_port) {
  auto ep = parse_endpoint(host_port);
  if (!ep)
    return ep.error();
  boost::system::error_code ec;
  acceptor_.open(ep->protocol(), ec);
  if (!ec)
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(*ep, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return permanent(fmt::format("cannot listen on {}: {}", host_port, ec.message()));
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(ex_, accept_loop(), [](std::exception_ptr ep) {
    if (ep)
      spdlog::error("http acceptor stopped unexpectedly");
  });
  spdlog::info("http listening address={}:{}", ep->address().to_string(), port_);
  return {};
}

asio::awaitable<void> HttpServer::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted)
        co_return;
      spdlog::warn("http accept failed error=\"{}\"", ec.message());
      continue;
    }
    ++sessions_;
    asio::co_spawn(ex_, session(std::move(socket)), [this](std::exception_ptr ep) {
      --sessions_;
      if (!ep)
        return;
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        spdlog::error("http session failed error=\"{}\"", e.what());
      }
    });
  }
}

namespace {

constexpr std::uint64_t kDefaultBodyLimit = 256 * 1024;

bool ends_session(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof;
}

HttpPeer peer_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec)
    return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return {address.to_string()};
}

}  // namespace

asio::awaitable<void> HttpServer::session(tcp::socket socket) {
  const HttpPeer peer = peer_of(socket);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(boost::none);  // the header is read first; its own limit is set below
    stream.expires_after(std::chrono::seconds(30));
    boost::system::error_code ec;
    auto* raw = &stream.socket();
    idle_.insert(raw);
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    idle_.erase(raw);
    if (ends_session(ec))
      break;
    bool too_large = false;
    if (!ec) {
      const auto& header = parser.get().base();
      std::optional<std::uint64_t> own;
      if (limits_.limit_for)
        own = limits_.limit_for(header);
      const std::uint64_t limit = own.value_or(kDefaultBodyLimit);
      too_large = parser.content_length() && *parser.content_length() > limit;
      if (!too_large) {
        parser.body_limit(limit);
        if (beast::iequals(header[http::field::expect], "100-continue")) {
          http::response<http::empty_body> go_on{http::status::continue_, 11};
          co_await http::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
        }
        // A large upload gets the time a slow line (128 KiB/s) needs for it.
        stream.expires_after(std::chrono::seconds(30 + limit / (128 * 1024)));
        if (!ec)
          co_await http::async_read(stream, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
        too_large = ec == http::error::body_limit;
        if (!too_large && ends_session(ec))
          break;
      }
    }
    if (too_large) {
      std::optional<HttpResponse> own;
      if (limits_.too_large)
        own = limits_.too_large(parser.get().base());
      HttpResponse res = own ? std::move(*own) : HttpResponse{http::status::payload_too_large, 11};
      if (!own) {
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "Request body too large\n";
      }
      res.keep_alive(false);
      res.prepare_payload();
      stream.expires_after(std::chrono::seconds(30));
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      // Lingering close: read and drop what the client still sends, for a few seconds at most.
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.expires_after(std::chrono::seconds(10));
      std::array<char, 64 * 1024> sink;
      while (!ec) {
        co_await stream.async_read_some(asio::buffer(sink),
                                        asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    if (ec) {
      HttpResponse bad{http::status::bad_request, 11};
      bad.set(http::field::content_type, "text/plain; charset=utf-8");
      bad.body() = "Bad request\n";
      bad.keep_alive(false);
      bad.prepare_payload();
      co_await http::async_write(stream, bad, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    HttpRequest request = parser.release();
    const bool keep_alive = request.keep_alive() && !stopping_;
    HttpResponse response = co_await router_(std::move(request), peer);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive)
      break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> HttpServer::stop() {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto* s : idle_)
    s->cancel(ec);
  asio::steady_timer t(ex_);
  for (int i = 0; i < 200 && sessions_ > 0; ++i) {
    t.expires_after(std::chrono::milliseconds(25));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    for (auto* s : idle_)
      s->cancel(ec);
  }
}

}  // namespace relais::daemon
