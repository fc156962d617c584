// The HTTP listener: one short coroutine per connection that sets a deadline, reads a request
// (bounded size), hands it to the router and writes the answer. stop() closes the acceptor,
// lets requests in flight finish and closes idle keep-alive connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <set>

#include "workflow/result.hpp"

namespace relais::daemon {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
using Router = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest)>;

class HttpServer {
 public:
  HttpServer(boost::asio::any_io_executor ex, Router router);
  Result<void> listen(const std::string& host_port);
  boost::asio::awaitable<void> stop();
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

  boost::asio::any_io_executor ex_;
  Router router_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<boost::asio::ip::tcp::socket*> idle_;
  int sessions_ = 0;
  bool stopping_ = false;
  std::uint16_t port_ = 0;
};

// Parses "host:port" (IPv4, [IPv6] or a name resolving locally is not allowed: literal only).
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& host_port);

}  // namespace relais::daemon
