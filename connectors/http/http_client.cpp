// Each send() runs the io_context of its connection on the calling thread: the exchange is one
// coroutine, every step bounded by the connect or read time-out, the whole by total_timeout.
// Connections are kept for the next call to the same host (connection_pool.hpp). Messages name
// the host, never the URL (a query may carry a token).
#include "connectors/http/http_client.hpp"
#include "workflow/loopback.hpp"

#include "connectors/http/connection_pool.hpp"
#include "connectors/http/tls_client.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>

namespace relais::connectors::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
namespace fs = std::filesystem;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

struct Target {
  bool tls = true;
  std::string host;      // without IPv6 brackets
  std::string tls_name;  // the host without a fully qualified name's final dot: SNI and the
                         // certificate check (RFC 6066) know no such dot
  std::string port;
  std::string path;  // origin form: "/path?query"
};

Result<Target> parse_target(const std::string& url, bool proxy) {
  const std::string what = proxy ? "The proxy address" : "The address called";
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    return invalid_input(what + " is not a URL.");
  Target t;
  const std::string scheme = lower(std::string(parsed->scheme()));
  if (scheme != "https" && scheme != "http")
    return invalid_input(fmt::format("{} has the scheme {}; only https is used.", what, scheme));
  t.tls = scheme == "https" && !proxy;
  std::string host(parsed->encoded_host_address());
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    return invalid_input(what + " has no host.");
  t.host = lower(host);
  t.tls_name = t.host.ends_with('.') ? t.host.substr(0, t.host.size() - 1) : t.host;
  t.port = parsed->has_port() ? std::string(parsed->port()) : (scheme == "https" ? "443" : "80");
  if (!proxy && scheme == "http" && !is_loopback_host(t.host)) {
    return invalid_input(fmt::format(
        "Plain http:// to {} is refused: only https is used outside this machine.", t.host));
  }
  t.path = std::string(parsed->encoded_path());
  if (t.path.empty())
    t.path = "/";
  if (parsed->has_query())
    t.path += "?" + std::string(parsed->encoded_query());
  return t;
}

std::string authority(const Target& t) {
  const bool v6 = t.host.find(':') != std::string::npos;
  return (v6 ? "[" + t.host + "]" : t.host) + ":" + t.port;
}

// The host as the Host header writes it: the port only when it is not the scheme's default.
std::string host_header(const Target& t) {
  const bool v6 = t.host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + t.host + "]" : t.host;
  const bool default_port = (t.tls && t.port == "443") || (!t.tls && t.port == "80");
  return default_port ? host : host + ":" + t.port;
}

// What a failed step means, for a log line and for the referent.
Error network_error(const beast::error_code& ec, std::string_view step, const Target& t) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
    return transient(fmt::format("{} timed out ({}).", step, t.host));
  if (certificate_refused(ec)) {
    return permanent(fmt::format(
        "The certificate of {} cannot be trusted (unknown issuer, another host name, or "
        "expired): nothing was sent. If the organisation's proxy inspects TLS, give its CA "
        "to relais.",
        t.host));
  }
  return transient(fmt::format("{} failed ({}): {}.", step, t.host, ec.message()));
}

struct Exchange {
  const ClientOptions& options;
  ssl::context& tls;
  const Request& request;
  const Target& target;
  const std::optional<Target>& proxy;
  std::uint64_t streamed_length;  // of request.parts
  Connection& connection;
  bool sent = false;  // the whole request was written: the server may act on it
  // A kept connection failed before any byte of an answer: the server had closed it. The
  // request is sent again on a new one when the server cannot have acted on it.
  bool stale = false;
  std::chrono::seconds keep_for{0};  // how long the connection may wait for the next call
  Result<Response> result = transient("The exchange did not run.");
};

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

// How long an answered connection may be kept: not when the server closes it, and a second
// less than the server's own "Keep-Alive: timeout=N" so that it never closes under a request.
std::chrono::seconds keep_for(const bhttp::response<bhttp::string_body>& res, bool keep_alive) {
  if (!keep_alive)
    return std::chrono::seconds{0};
  const auto it = res.find("Keep-Alive");
  if (it == res.end())
    return ConnectionPool::kIdleLimit;
  const std::string value = lower(it->value());
  const auto at = value.find("timeout=");
  if (at == std::string::npos)
    return ConnectionPool::kIdleLimit;
  const long seconds = std::strtol(value.c_str() + at + 8, nullptr, 10);
  return std::chrono::seconds{std::max(0L, seconds - 1)};
}

bool closed_before_answer(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

Response response_of(bhttp::response<bhttp::string_body>& res) {
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res)
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  out.body = std::move(res.body());
  return out;
}

template <typename Body>
void set_head(bhttp::request<Body>& req, const Exchange& x) {
  req.method_string(x.request.method);
  req.target(x.target.path);
  req.version(11);
  req.set(bhttp::field::host, host_header(x.target));
  req.set(bhttp::field::user_agent, x.options.user_agent);
  for (const auto& h : x.request.headers)
    req.insert(h.name, h.value);
}

// One buffer of a streamed body through the serializer.
template <typename Stream>
asio::awaitable<beast::error_code> write_piece(Stream& stream, beast::tcp_stream& tcp,
                                               bhttp::request<bhttp::buffer_body>& req,
                                               bhttp::request_serializer<bhttp::buffer_body>& sr,
                                               const char* data, std::size_t size,
                                               std::chrono::milliseconds timeout) {
  auto& body = req.body();
  body.data = const_cast<char*>(data);  // buffer_body only reads from it
  body.size = size;
  body.more = true;
  tcp.expires_after(timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, sr, kTuple);
  beast::error_code done = ec == bhttp::error::need_buffer ? beast::error_code{} : ec;
  co_return done;
}

// The head, then each part in order; files in 64 KiB pieces.
template <typename Stream>
asio::awaitable<Result<void>> write_streamed(Stream& stream, beast::tcp_stream& tcp,
                                             const Exchange& x) {
  bhttp::request<bhttp::buffer_body> req;
  set_head(req, x);
  req.content_length(x.streamed_length);
  req.body().data = nullptr;
  req.body().more = true;
  bhttp::request_serializer<bhttp::buffer_body> sr{req};
  tcp.expires_after(x.options.read_timeout);
  auto [hec, head] = co_await bhttp::async_write_header(stream, sr, kTuple);
  if (hec) {
    Result<void> failed = network_error(hec, "Sending the request", x.target);
    co_return failed;
  }
  std::vector<char> chunk(64 * 1024);
  for (const auto& part : x.request.parts) {
    std::ifstream file;
    if (!part.file.empty()) {
      file.open(part.file, std::ios::binary);
      if (!file) {
        Result<void> failed =
            permanent(fmt::format("The file {} could not be read.", part.file.filename().string()));
        co_return failed;
      }
    }
    bool more = true;
    while (more) {
      const char* data = part.bytes.data();
      std::size_t size = part.bytes.size();
      if (part.file.empty()) {
        more = false;
      } else {
        file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        data = chunk.data();
        size = static_cast<std::size_t>(file.gcount());
        more = size == chunk.size();
      }
      if (size == 0)
        break;
      const auto ec =
          co_await write_piece(stream, tcp, req, sr, data, size, x.options.read_timeout);
      if (ec) {
        Result<void> failed = network_error(ec, "Sending the request", x.target);
        co_return failed;
      }
    }
  }
  req.body().data = nullptr;
  req.body().size = 0;
  req.body().more = false;
  tcp.expires_after(x.options.read_timeout);
  auto [eec, end] = co_await bhttp::async_write(stream, sr, kTuple);
  if (eec) {
    Result<void> failed = network_error(eec, "Sending the request", x.target);
    co_return failed;
  }
  co_return Result<void>{};
}

// The request written and the answer read on a connected stream (plain or TLS).
template <typename Stream>
asio::awaitable<Result<Response>> request_response(Stream& stream, beast::tcp_stream& tcp,
                                                   Exchange& x) {
  if (x.request.parts.empty()) {
    bhttp::request<bhttp::string_body> req;
    set_head(req, x);
    req.body() = x.request.body;
    if (!x.request.body.empty() || x.request.method == "POST" || x.request.method == "PUT")
      req.prepare_payload();
    tcp.expires_after(x.options.read_timeout);
    auto [wec, written] = co_await bhttp::async_write(stream, req, kTuple);
    if (wec) {
      x.stale = x.connection.reused;
      Result<Response> failed = network_error(wec, "Sending the request", x.target);
      co_return failed;
    }
  } else {
    auto sent = co_await write_streamed(stream, tcp, x);
    if (!sent) {
      x.stale = x.connection.reused && sent.error().kind == ErrorKind::transient;
      Result<Response> failed = sent.error();
      co_return failed;
    }
  }
  x.sent = true;
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::string_body>> parsing;
  beast::error_code rec;
  bool answered_interim = false;
  // 1xx answers (100 Continue, 103 Early Hints) come before the real one: read past them, or
  // the real answer would be left on the kept connection for the next call.
  for (;;) {
    parsing.emplace();
    parsing->body_limit(x.options.max_response_bytes);
    parsing->header_limit(64 * 1024);
    if (x.request.method == "HEAD")
      parsing->skip(true);
    tcp.expires_after(x.options.read_timeout);
    auto [ec, read] = co_await bhttp::async_read(stream, buffer, *parsing, kTuple);
    rec = ec;
    const unsigned status = ec ? 0 : parsing->get().result_int();
    if (ec || status < 100 || status >= 200 || status == 101)
      break;
    answered_interim = true;
  }
  auto& parser = *parsing;
  if (rec == bhttp::error::body_limit) {
    Error large = transient(fmt::format("The answer of {} is larger than {} bytes.", x.target.host,
                                        x.options.max_response_bytes));
    large.outcome_unknown = true;  // the server acted on the whole request before answering
    Result<Response> failed = std::move(large);
    co_return failed;
  }
  if (rec) {
    x.stale =
        x.connection.reused && !answered_interim && !parser.got_some() && closed_before_answer(rec);
    Error lost = network_error(rec, "Reading the answer", x.target);
    lost.outcome_unknown = true;
    Result<Response> failed = std::move(lost);
    co_return failed;
  }
  x.keep_for = keep_for(parser.get(), parser.keep_alive());
  auto message = parser.release();
  Result<Response> answer = response_of(message);
  co_return answer;
}

// CONNECT host:port through the proxy, on a stream connected to it.
asio::awaitable<Result<void>> open_tunnel(beast::tcp_stream& tcp, const Exchange& x) {
  bhttp::request<bhttp::empty_body> connect{bhttp::verb::connect, authority(x.target), 11};
  connect.set(bhttp::field::host, authority(x.target));
  connect.set(bhttp::field::user_agent, x.options.user_agent);
  tcp.expires_after(x.options.connect_timeout);
  auto [wec, written] = co_await bhttp::async_write(tcp, connect, kTuple);
  if (wec) {
    Result<void> failed = network_error(wec, "Asking the proxy for a tunnel", *x.proxy);
    co_return failed;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // a CONNECT answer has no body, whatever its headers say
  auto [rec, read] = co_await bhttp::async_read_header(tcp, buffer, parser, kTuple);
  if (rec) {
    Result<void> failed = network_error(rec, "Reading the proxy's answer", *x.proxy);
    co_return failed;
  }
  if (parser.get().result_int() != 200) {
    Result<void> failed = transient(
        fmt::format("The proxy {} refused the tunnel to {}: {} {}.", x.proxy->host, x.target.host,
                    parser.get().result_int(), std::string(parser.get().reason())));
    co_return failed;
  }
  co_return Result<void>{};
}

// Resolves, connects (through the proxy's tunnel when there is one) and, for https, shakes
// hands with the server, whose certificate and name are verified.
asio::awaitable<Result<void>> open_connection(Exchange& x) {
  Connection& c = x.connection;
  const Target& first_hop = x.proxy ? *x.proxy : x.target;
  tcp::resolver resolver(c.io);
  auto [nec, endpoints] = co_await resolver.async_resolve(first_hop.host, first_hop.port, kTuple);
  if (nec) {
    Result<void> failed = network_error(nec, "Resolving the name", first_hop);
    co_return failed;
  }
  // Checked on the addresses connected to, not on the name: a name that resolves to an
  // internal address, now or at the next lookup, is caught all the same.
  std::vector<tcp::endpoint> allowed;
  std::string refusal;
  for (const auto& e : endpoints) {
    std::string why;
    if (x.options.address_refused)
      why = x.options.address_refused(e.endpoint().address().to_string());
    if (why.empty())
      allowed.push_back(e.endpoint());
    else if (refusal.empty())
      refusal = std::move(why);
  }
  if (allowed.empty()) {
    Result<void> failed = invalid_input(
        fmt::format("{} leads to an address relais may not call: {}.", first_hop.host, refusal));
    co_return failed;
  }
  c.tcp.expires_after(x.options.connect_timeout);
  auto [cec, connected] = co_await c.tcp.async_connect(allowed, kTuple);
  if (cec) {
    Result<void> failed = network_error(cec, "Connecting", first_hop);
    co_return failed;
  }
  // The head and each piece of a body are separate writes: without this, a kept connection
  // waits for the server's delayed acknowledgement between them.
  boost::system::error_code no_delay;
  c.tcp.socket().set_option(tcp::no_delay(true), no_delay);
  if (x.proxy) {
    auto tunnel = co_await open_tunnel(c.tcp, x);
    if (!tunnel)
      co_return tunnel;
  }
  if (!x.target.tls)
    co_return Result<void>{};
  c.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream&>>(c.tcp, x.tls);
  if (!expect_peer(*c.tls, x.target.tls_name)) {
    Result<void> failed = transient(fmt::format("TLS could not be set up for {}.", x.target.host));
    co_return failed;
  }
  c.tcp.expires_after(x.options.connect_timeout);
  auto [hec] = co_await c.tls->async_handshake(ssl::stream_base::client, kTuple);
  if (hec) {
    Result<void> failed = network_error(hec, "The TLS handshake", x.target);
    co_return failed;
  }
  co_return Result<void>{};
}

asio::awaitable<void> run_exchange(Exchange& x) {
  Connection& c = x.connection;
  if (!c.reused) {
    auto opened = co_await open_connection(x);
    if (!opened) {
      x.result = opened.error();
      co_return;
    }
  }
  if (c.tls)
    x.result = co_await request_response(*c.tls, c.tcp, x);
  else
    x.result = co_await request_response(c.tcp, c.tcp, x);
}

}  // namespace

std::string Response::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& h : headers) {
    if (lower(h.name) == wanted)
      return h.value;
  }
  return {};
}

void proxy_from_environment(ClientOptions& options) {
  auto env = [](const char* upper, const char* low) -> std::string {
    if (const char* v = std::getenv(upper); v && *v)
      return v;
    if (const char* v = std::getenv(low); v && *v)
      return v;
    return {};
  };
  options.https_proxy = env("HTTPS_PROXY", "https_proxy");
  options.no_proxy = env("NO_PROXY", "no_proxy");
}

bool is_loopback_host(std::string_view host) {
  return relais::is_loopback_host(host);
}

bool bypasses_proxy(std::string_view host, std::string_view no_proxy) {
  if (is_loopback_host(host))
    return true;
  const std::string h = lower(host);
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    std::string entry = lower(trim(no_proxy.substr(0, comma)));
    no_proxy.remove_prefix(comma == std::string_view::npos ? no_proxy.size() : comma + 1);
    if (entry == "*")
      return true;
    if (entry.starts_with("."))
      entry.erase(0, 1);
    if (!entry.empty() && (h == entry || h.ends_with("." + entry)))
      return true;
  }
  return false;
}

struct Client::Impl {
  ClientOptions options;
  ssl::context tls{ssl::context::tls_client};
  std::optional<Error> setup_error;
  ConnectionPool pool;
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (auto ready = configure_client_tls(impl_->tls, impl_->options.extra_ca_file); !ready)
    impl_->setup_error = ready.error();
}

Client::~Client() = default;

Result<Response> Client::send(const Request& request) {
  auto answer = send_once(request);
  Request next;
  const Request* current = &request;
  for (int hops = 0; answer && hops < request.follow_redirects; ++hops) {
    const int status = answer->status;
    const std::string location = answer->header("Location");
    if ((status != 301 && status != 302 && status != 303 && status != 307 && status != 308) ||
        location.empty())
      break;
    auto base = boost::urls::parse_uri(current->url);
    auto ref = boost::urls::parse_uri_reference(location);
    if (!base || !ref)
      return transient("A redirect pointed to an address that cannot be read.");
    boost::urls::url resolved;
    if (!boost::urls::resolve(*base, *ref, resolved))
      return transient("A redirect pointed to an address that cannot be read.");
    Request hop = *current;
    hop.url = std::string(resolved.buffer());
    if (status == 303 || ((status == 301 || status == 302) && hop.method == "POST")) {
      hop.method = "GET";
      hop.body.clear();
      hop.parts.clear();
      std::erase_if(hop.headers, [](const Header& h) { return lower(h.name) == "content-type"; });
    }
    if (lower(std::string(resolved.host())) != lower(std::string(base->host()))) {
      std::erase_if(hop.headers, [](const Header& h) {
        const auto n = lower(h.name);
        return n == "authorization" || n == "cookie";
      });
    }
    next = std::move(hop);
    current = &next;
    answer = send_once(next);
  }
  return answer;
}

Result<Response> Client::send_once(const Request& request) {
  if (impl_->setup_error)
    return *impl_->setup_error;
  auto target = parse_target(request.url, false);
  if (!target)
    return target.error();
  std::uint64_t streamed_length = 0;
  for (const auto& part : request.parts) {
    std::error_code ec;
    streamed_length += part.file.empty() ? part.bytes.size() : fs::file_size(part.file, ec);
    if (ec) {
      return permanent(
          fmt::format("The file {} could not be read.", part.file.filename().string()));
    }
  }
  std::optional<Target> proxy;
  if (!impl_->options.https_proxy.empty() &&
      !bypasses_proxy(target->host, impl_->options.no_proxy)) {
    auto parsed = parse_target(impl_->options.https_proxy, true);
    if (!parsed)
      return parsed.error();
    proxy = std::move(*parsed);
  }
  const std::string key = fmt::format("{}|{}|{}", proxy ? authority(*proxy) : "",
                                      authority(*target), target->tls ? "tls" : "plain");
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> connection = attempt == 0 ? impl_->pool.take(key) : nullptr;
    if (!connection) {
      connection = std::make_unique<Connection>();
      connection->key = key;
    }
    Exchange x{impl_->options, impl_->tls, request, *target, proxy, streamed_length, *connection};
    connection->io.restart();
    asio::co_spawn(connection->io, run_exchange(x), asio::detached);
    connection->io.run_for(impl_->options.total_timeout);
    if (!connection->io.stopped()) {
      Error late =
          transient(fmt::format("The exchange with {} took longer than {} s.", target->host,
                                impl_->options.total_timeout.count() / 1000));
      late.outcome_unknown = x.sent;
      connection.reset();  // its sockets close and the suspended exchange is destroyed
      return late;
    }
    if (x.stale && (!x.sent || idempotent(request.method)))
      continue;  // a new connection, once: attempt 1 never takes a kept one, so is never stale
    if (x.result)
      impl_->pool.give_back(std::move(connection), x.keep_for);
    return std::move(x.result);
  }
}

}  // namespace relais::connectors::http
