// The HTTP listener: one short coroutine per connection that sets a deadline, reads a request
// (bounded size), hands it to the router and writes the answer. stop() closes the acceptor,
// lets requests in flight finish and closes idle keep-alive connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "workflow/result.hpp"

namespace relais::daemon {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
using HttpRequestHeader = http::request_header<>;

// The other end of the connection as the socket reports it; no proxy header is trusted.
struct HttpPeer {
  std::string address;  // "192.0.2.7" or "2001:db8::7" (IPv4-mapped IPv6 shown as IPv4)
};
// A short text answer (errors, /healthz, /metrics), never sniffed as anything else.
HttpResponse plain(http::status status, std::string body,
                   std::string_view type = "text/plain; charset=utf-8");

using Router = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest, const HttpPeer&)>;

// Request bodies are limited to 256 KiB unless limit_for gives another limit for a request
// (the takedown form carries photos). A body over its limit is answered by too_large (nullopt or
// unset: a plain 413) without being read; the connection then closes after the rest of the body
// has been read and dropped for a few seconds, so that a client that sends its whole body before
// reading (most do) sees the answer rather than a reset.
struct BodyLimits {
  std::function<std::optional<std::uint64_t>(const HttpRequestHeader&)> limit_for;
  std::function<std::optional<HttpResponse>(const HttpRequestHeader&)> too_large;
};

class HttpServer {
 public:
  HttpServer(boost::asio::any_io_executor ex, Router router, BodyLimits limits = {});
  Result<void> listen(const std::string& host_port);
  boost::asio::awaitable<void> stop();
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

  boost::asio::any_io_executor ex_;
  Router router_;
  BodyLimits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<boost::asio::ip::tcp::socket*> idle_;
  int sessions_ = 0;
  bool stopping_ = false;
  std::uint16_t port_ = 0;
};

// Parses "host:port" (IPv4, [IPv6] or a name resolving locally is not allowed: literal only).
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& host_port);

}  // namespace relais::daemon
