// The connection under an IMAP session, private to the client: the stream (TCP, then TLS),
// the bytes read and not yet consumed, and the reading of responses with their literals and of
// one command's answer. Everything runs on the session's executor.
#pragma once

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/email/imap_client.hpp"
#include "connectors/http/tls_client.hpp"

namespace relais::connectors::email {
namespace imap_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using imap::Response;

inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// A SEARCH answer for a mailbox of a million messages fits.
inline constexpr std::size_t kMaxLine = 8 * 1024 * 1024;

inline std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace imap_detail

using namespace imap_detail;  // this header is the client's own, included by it alone

struct ImapSession::Connection {
  ImapOptions options;
  ssl::context tls_context{ssl::context::tls_client};
  beast::tcp_stream tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream&>> tls;
  std::string pending;  // bytes read and not yet consumed
  // Each read gets this long (a large message is read in many reads, each bounded).
  std::chrono::milliseconds read_timeout;
  asio::steady_timer poll_wait;  // the wait of idle() on a server without IDLE; close() ends it
  bool closed = false;
  std::vector<std::string> capabilities;
  int next_tag = 0;
  bool new_mail = false;  // an EXISTS came since the last idle()
  std::uint32_t exists = 0;

  Connection(asio::any_io_executor ex, ImapOptions o)
      : options(std::move(o)), tcp(ex), read_timeout(options.command_timeout), poll_wait(ex) {}

  std::string host_name() const {
    std::string h = options.host;
    if (h.ends_with('.'))
      h.pop_back();
    return h;
  }

  Error failure(const boost::system::error_code& ec, std::string_view step) const {
    if (http::certificate_refused(ec)) {
      return permanent(fmt::format(
          "The certificate of the IMAP server {} cannot be trusted (unknown issuer, another "
          "host name, or expired).",
          options.host));
    }
    if (ec == beast::error::timeout)
      return transient(fmt::format("{} timed out (IMAP server {}).", step, options.host));
    return transient(
        fmt::format("{} failed (IMAP server {}): {}.", step, options.host, ec.message()));
  }

  asio::awaitable<boost::system::error_code> read_more() {
    char chunk[16 * 1024];
    std::size_t n = 0;
    boost::system::error_code ec;
    tcp.expires_after(read_timeout);
    if (tls)
      std::tie(ec, n) = co_await tls->async_read_some(asio::buffer(chunk), kTuple);
    else
      std::tie(ec, n) = co_await tcp.async_read_some(asio::buffer(chunk), kTuple);
    pending.append(chunk, n);
    co_return ec;
  }

  asio::awaitable<Result<void>> write(std::string text,
                                      std::optional<std::chrono::milliseconds> timeout = {}) {
    if (timeout)
      tcp.expires_after(*timeout);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (tls)
      std::tie(ec, n) = co_await asio::async_write(*tls, asio::buffer(text), kTuple);
    else
      std::tie(ec, n) = co_await asio::async_write(tcp, asio::buffer(text), kTuple);
    if (ec) {
      Result<void> failed = failure(ec, "Sending a command");
      co_return failed;
    }
    co_return Result<void>{};
  }

  // One response, its literals read whole; the caller sets the time-out.
  asio::awaitable<Result<Response>> read_response() {
    Response r;
    for (;;) {
      std::size_t end;
      while ((end = pending.find("\r\n")) == std::string::npos) {
        if (pending.size() > kMaxLine) {
          Result<Response> failed =
              transient(fmt::format("The IMAP server {} sent a line too long.", options.host));
          co_return failed;
        }
        if (auto ec = co_await read_more()) {
          Result<Response> failed = failure(ec, "Reading the answer");
          co_return failed;
        }
      }
      r.line.append(pending, 0, end);
      pending.erase(0, end + 2);
      const auto literal = imap::literal_at_end(r.line);
      if (!literal)
        break;
      if (*literal > options.max_message_bytes + kMaxLine) {
        Result<Response> failed = transient(
            fmt::format("The IMAP server {} sent more than was asked for.", options.host));
        co_return failed;
      }
      while (pending.size() < *literal) {
        if (auto ec = co_await read_more()) {
          Result<Response> failed = failure(ec, "Reading a message");
          co_return failed;
        }
      }
      r.literals.push_back(pending.substr(0, *literal));
      pending.erase(0, *literal);
    }
    note(r);
    co_return r;
  }

  // What any response may tell in passing: new mail, new capabilities.
  void note(const Response& r) {
    if (auto n = imap::untagged_number(r.line, "EXISTS")) {
      if (*n > exists)
        new_mail = true;
      exists = *n;
    } else if (imap::untagged_number(r.line, "EXPUNGE")) {
      if (exists > 0)
        --exists;
    }
    if (auto caps = imap::capabilities(r.line))
      capabilities = std::move(*caps);
  }

  struct Answer {
    imap::Status status;
    std::vector<Response> untagged;
  };

  // Sends one command and reads up to its tagged status. `continuation` answers a "+" (the
  // SASL exchange); without one, a "+" ends the command with an error.
  asio::awaitable<Result<Answer>> command(std::string text,
                                          std::function<std::string()> continuation = {}) {
    const std::string tag = fmt::format("R{}", ++next_tag);
    tcp.expires_after(options.command_timeout);
    if (auto sent = co_await write(tag + " " + text + "\r\n"); !sent) {
      Result<Answer> failed = sent.error();
      co_return failed;
    }
    Answer a;
    for (;;) {
      tcp.expires_after(options.command_timeout);
      auto r = co_await read_response();
      if (!r) {
        Result<Answer> failed = r.error();
        co_return failed;
      }
      if (auto st = imap::tagged_status(tag, r->line)) {
        a.status = std::move(*st);
        co_return a;
      }
      if (r->continuation()) {
        if (!continuation) {
          Result<Answer> failed = transient(fmt::format(
              "The IMAP server {} asked for more than the command gives.", options.host));
          co_return failed;
        }
        if (auto sent = co_await write(continuation() + "\r\n"); !sent) {
          Result<Answer> failed = sent.error();
          co_return failed;
        }
        continue;
      }
      if (upper(r->line.substr(0, 5)) == "* BYE") {
        Result<Answer> failed =
            transient(fmt::format("The IMAP server {} closed the session: {}", options.host,
                                  r->line.substr(std::min<std::size_t>(6, r->line.size()))));
        co_return failed;
      }
      a.untagged.push_back(std::move(*r));
    }
  }

  // A tagged NO or BAD as an error saying which command failed.
  Error refused(const Answer& a, std::string_view what) const {
    const std::string said = a.status.text.empty() ? a.status.kind : a.status.text;
    const bool credentials = a.status.code == "AUTHENTICATIONFAILED" ||
                             a.status.code == "AUTHORIZATIONFAILED" || a.status.code == "EXPIRED" ||
                             a.status.code == "PRIVACYREQUIRED";
    const bool for_now = a.status.code == "UNAVAILABLE" || a.status.code == "INUSE" ||
                         a.status.code == "LIMIT" || a.status.code == "SERVERBUG";
    const std::string message =
        fmt::format("The IMAP server {} refused {}: {}", options.host, what, said);
    if (credentials)
      return permanent(message);
    return for_now ? transient(message) : permanent(message);
  }

  asio::awaitable<Result<void>> refresh_capabilities() {
    auto a = co_await command("CAPABILITY");
    if (!a) {
      Result<void> failed = a.error();
      co_return failed;
    }
    if (a->status.kind != "OK") {
      Result<void> failed = refused(*a, "to list its capabilities");
      co_return failed;
    }
    co_return Result<void>{};
  }

  asio::awaitable<Result<void>> handshake() {
    tls = std::make_unique<beast::ssl_stream<beast::tcp_stream&>>(tcp, tls_context);
    if (!http::expect_peer(*tls, host_name())) {
      Result<void> failed = transient(fmt::format("TLS could not be set up for {}.", options.host));
      co_return failed;
    }
    tcp.expires_after(options.connect_timeout);
    auto [ec] = co_await tls->async_handshake(ssl::stream_base::client, kTuple);
    if (ec) {
      Result<void> failed = failure(ec, "The TLS handshake");
      co_return failed;
    }
    co_return Result<void>{};
  }
};

}  // namespace relais::connectors::email
