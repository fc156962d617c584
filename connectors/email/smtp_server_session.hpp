// One SMTP/LMTP session over any Asio stream (TCP, Unix, a socket pair in tests): reads command
// lines and DATA with deadlines, hands them to SmtpProtocol, calls the delivery function and
// writes replies. Ends on QUIT, EOF, I/O error, timeout (421) or a stop request (421).
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <memory>
#include <string>

#include "connectors/email/smtp_server.hpp"
#include "connectors/email/smtp_server_protocol.hpp"

namespace relais::connectors::email {

// Shared by a session and whoever may stop it; used on the session's executor only.
struct SessionControl {
  explicit SessionControl(const boost::asio::any_io_executor& ex) : timer(ex) {}
  boost::asio::steady_timer timer;  // the deadline of the current read or write
  bool stop_requested = false;
  bool waiting_for_command = false;  // only then may a stop interrupt the session
  // Asks the session to end: at once if it waits for a command, else after its message.
  void request_stop() {
    stop_requested = true;
    if (waiting_for_command) {
      timer.cancel();
    }
  }
};

std::shared_ptr<spdlog::logger> smtp_log();

namespace session_detail {

enum class IoResult { ok, closed, timeout, stopped };

template <class Stream>
boost::asio::awaitable<IoResult> read_some(Stream& stream, std::string& into,
                                           SessionControl& control, std::chrono::seconds timeout) {
  using namespace boost::asio::experimental::awaitable_operators;
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
  char buf[16384];
  control.timer.expires_after(timeout);
  auto result = co_await (stream.async_read_some(boost::asio::buffer(buf), token) ||
                          control.timer.async_wait(token));
  if (result.index() == 1) {
    co_return control.stop_requested ? IoResult::stopped : IoResult::timeout;
  }
  auto [ec, n] = std::get<0>(result);
  if (ec) {
    co_return IoResult::closed;  // eof, reset, aborted: all end the session
  }
  into.append(buf, n);
  co_return IoResult::ok;
}

template <class Stream>
boost::asio::awaitable<bool> write_all(Stream& stream, std::string& out, SessionControl& control,
                                       std::chrono::seconds timeout) {
  using namespace boost::asio::experimental::awaitable_operators;
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
  if (out.empty()) {
    co_return true;
  }
  control.timer.expires_after(timeout);
  auto result = co_await (boost::asio::async_write(stream, boost::asio::buffer(out), token) ||
                          control.timer.async_wait(token));
  out.clear();
  if (result.index() == 1) {
    co_return false;
  }
  co_return !std::get<0>(std::get<0>(result));
}

}  // namespace session_detail

template <class Stream>
boost::asio::awaitable<void> serve_smtp_session(Stream& stream, const SmtpServerOptions& options,
                                                const DeliverFn& deliver, std::string remote,
                                                std::shared_ptr<SessionControl> control) {
  using session_detail::IoResult;
  SmtpProtocol protocol(ProtocolOptions{options.lmtp, options.hostname, options.max_message_bytes,
                                        options.max_recipients, options.accept_recipient});
  std::string in;
  std::string out = format_reply(protocol.greeting());
  bool skipping_long_line = false;
  // Replies that end the session are formatted into `out` before a plain co_await: GCC 12
  // mis-destroys temporaries inside co_await expressions.

  for (;;) {
    const std::size_t nl = in.find('\n');
    if (nl == std::string::npos) {
      if (in.size() > kMaxCommandLine) {
        skipping_long_line = true;  // keep reading to its end without keeping it
        in.clear();
      }
      if (!co_await session_detail::write_all(stream, out, *control, options.command_timeout)) {
        co_return;
      }
      if (control->stop_requested) {
        out += format_reply(protocol.shutdown_reply());
        co_await session_detail::write_all(stream, out, *control, options.command_timeout);
        co_return;
      }
      control->waiting_for_command = true;
      const IoResult r =
          co_await session_detail::read_some(stream, in, *control, options.command_timeout);
      control->waiting_for_command = false;
      if (r == IoResult::closed) {
        co_return;
      }
      if (r != IoResult::ok) {
        if (r == IoResult::stopped) {
          out += format_reply(protocol.shutdown_reply());
        } else {
          out += format_reply(protocol.timeout_reply());
        }
        co_await session_detail::write_all(stream, out, *control, options.command_timeout);
        co_return;
      }
      continue;
    }

    SessionStep step;
    if (skipping_long_line || nl + 1 > kMaxCommandLine) {
      skipping_long_line = false;
      step = protocol.on_line_too_long();
    } else {
      std::string_view line(in.data(), nl);
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      step = protocol.on_command(line);
    }
    in.erase(0, nl + 1);
    for (const auto& r : step.replies) {
      out += format_reply(r);
    }
    if (step.action == SessionAction::close) {
      co_await session_detail::write_all(stream, out, *control, options.command_timeout);
      co_return;
    }
    if (step.action != SessionAction::start_data) {
      continue;
    }

    // DATA: a stop request no longer interrupts; the message is read and delivered first.
    if (!co_await session_detail::write_all(stream, out, *control, options.command_timeout)) {
      co_return;
    }
    DataReader reader(options.max_message_bytes);
    in.erase(0, reader.feed(in));
    while (!reader.done()) {
      std::string chunk;
      const IoResult r =
          co_await session_detail::read_some(stream, chunk, *control, options.data_timeout);
      if (r == IoResult::closed) {
        co_return;
      }
      if (r != IoResult::ok) {
        out += format_reply(protocol.timeout_reply());
        co_await session_detail::write_all(stream, out, *control, options.command_timeout);
        co_return;
      }
      const std::size_t used = reader.feed(chunk);
      in.append(chunk, used, std::string::npos);  // pipelined commands after the final dot
    }
    const std::string from = protocol.envelope().mail_from;
    const std::size_t recipients = protocol.envelope().recipients.size();
    step = protocol.on_data_end(reader.too_big());
    int code = 552;
    if (step.action == SessionAction::deliver) {
      Envelope envelope = protocol.envelope();
      envelope.remote = remote;
      Reply reply;
      try {
        reply = co_await deliver(std::move(envelope), reader.take_message());
      } catch (const std::exception& e) {
        // A bug in the delivery code must not lose the message: the client will retry.
        smtp_log()->error("event=smtp_deliver_failed remote={} error=\"{}\"", remote, e.what());
        reply = {451, "4.3.0 Local error in processing, try again later"};
      }
      code = reply.code;
      step = protocol.on_delivered(reply);
    }
    smtp_log()->info("event=smtp_message from=<{}> recipients={} bytes={} code={} remote={}", from,
                     recipients, reader.received_bytes(), code, remote);
    for (const auto& r : step.replies) {
      out += format_reply(r);
    }
  }
}

}  // namespace relais::connectors::email
