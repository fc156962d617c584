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

namespace relais::daemon {
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

HttpServer::HttpServer(asio::any_io_executor ex, Router router)
    : ex_(ex), router_(std::move(router)), acceptor_(ex) {}

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

asio::awaitable<void> HttpServer::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(256 * 1024);
    parser.header_limit(16 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    boost::system::error_code ec;
    auto* raw = &stream.socket();
    idle_.insert(raw);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    idle_.erase(raw);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
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
    HttpResponse response = co_await router_(std::move(request));
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
