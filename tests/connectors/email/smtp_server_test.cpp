// Integration tests of SmtpServer: a real io_context thread, real clients (swaks, Python's smtplib
// and raw pipelined sockets from /usr/bin/python3), TCP and a Unix socket for LMTP, graceful stop
// with a delivery in flight, and a session over a socket pair for timeouts and limits.
#include <doctest/doctest.h>
#include <glib.h>

#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "connectors/email/mime_reader.hpp"
#include "connectors/email/smtp_server.hpp"
#include "connectors/email/smtp_server_session.hpp"

namespace asio = boost::asio;
namespace email = relais::connectors::email;
using namespace std::chrono_literals;

namespace {

const std::string kData = std::string(RELAIS_SOURCE_DIR) + "/tests/data/mail/";

struct Delivered {
  email::Envelope envelope;
  std::string message;
};

// A server on its own io_context thread, recording what it is given.
struct Harness {
  explicit Harness(email::SmtpServerOptions opts = {}, email::Reply reply = {250, "2.0.0 Ok"},
                   std::chrono::milliseconds delay = 0ms) {
    if (!opts.accept_recipient) {
      opts.accept_recipient = [](std::string_view a) { return a.ends_with("@example.org"); };
    }
    server = std::make_unique<email::SmtpServer>(
        io.get_executor(), std::move(opts),
        [this, reply, delay](email::Envelope env,
                             std::string msg) -> asio::awaitable<email::Reply> {
          delivering = true;
          if (delay > 0ms) {
            asio::steady_timer t(co_await asio::this_coro::executor, delay);
            co_await t.async_wait(asio::use_awaitable);
          }
          {
            std::lock_guard lock(mutex);
            delivered.push_back({std::move(env), std::move(msg)});
          }
          co_return reply;
        });
  }
  void start() {
    thread = std::thread([this] { io.run(); });
  }
  ~Harness() {
    if (thread.joinable()) {
      auto f = asio::co_spawn(io, server->stop(), asio::use_future);
      f.wait_for(10s);
      work.reset();
      io.stop();
      thread.join();
    }
  }
  std::vector<Delivered> deliveries() {
    std::lock_guard lock(mutex);
    return delivered;
  }

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<email::SmtpServer> server;
  std::thread thread;
  std::mutex mutex;
  std::vector<Delivered> delivered;
  std::atomic<bool> delivering{false};
};

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    r.output.append(buf, n);
  }
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string python(const std::string& script) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("relais_smtp_" + std::to_string(::getpid()) + ".py"))
                               .string();
  std::ofstream(path) << script;
  auto r = run("/usr/bin/python3 " + path);
  std::filesystem::remove(path);
  INFO(r.output);
  CHECK(r.status == 0);
  return r.output;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha256(const std::string& data) {
  gchar* hex = g_compute_checksum_for_data(
      G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(data.data()), data.size());
  std::string out(hex);
  g_free(hex);
  return out;
}

}  // namespace

TEST_CASE("listen: bad addresses are refused with a sentence") {
  asio::io_context io;
  email::SmtpServer s(io.get_executor(), {}, {});
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:2x",
                          "host.example:25", "unix:", "unix:/nonexistent-dir/x.sock"}) {
    auto r = s.listen(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) {
      CHECK(r.error().message.starts_with("Cannot listen for mail on"));
    }
  }
  CHECK(s.local_port() == 0);
  const std::string regular = std::filesystem::temp_directory_path() / "relais_not_a_socket";
  std::ofstream(regular) << "keep me";
  CHECK_FALSE(s.listen("unix:" + regular).ok());
  CHECK(std::filesystem::exists(regular));  // never removed: it is not a socket
  std::filesystem::remove(regular);
}

TEST_CASE("swaks sends a message with an attachment over SMTP") {
  Harness h;
  REQUIRE(h.server->listen("127.0.0.1:0").ok());
  const auto port = h.server->local_port();
  REQUIRE(port != 0);
  h.start();
  auto r = run("swaks --server 127.0.0.1:" + std::to_string(port) +
               " --from Agent@Example.org --to pub@example.org --helo client.test"
               " --header 'Subject: photos' --body 'Voici.' --attach-type image/jpeg --attach " +
               kData + "photo.jpg");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("220 relais ESMTP relais") != std::string::npos);
  CHECK(r.output.find("250-PIPELINING") != std::string::npos);
  const auto d = h.deliveries();
  REQUIRE(d.size() == 1);
  CHECK(d[0].envelope.mail_from == "agent@example.org");
  CHECK(d[0].envelope.recipients == std::vector<std::string>{"pub@example.org"});
  CHECK(d[0].envelope.helo == "client.test");
  CHECK(d[0].envelope.remote.starts_with("127.0.0.1:"));
  CHECK_FALSE(d[0].envelope.lmtp);
  auto parsed = email::parse_mail(d[0].message);
  REQUIRE(parsed.ok());
  CHECK(parsed->subject == "photos");
  REQUIRE(parsed->attachments.size() == 1);
  CHECK(sha256(parsed->attachments[0].data) == sha256(read_file(kData + "photo.jpg")));
}

TEST_CASE("swaks: a refused recipient, and a temporary delivery failure") {
  SUBCASE("refused recipient") {
    Harness h;
    REQUIRE(h.server->listen("127.0.0.1:0").ok());
    h.start();
    auto r = run("swaks --server 127.0.0.1:" + std::to_string(h.server->local_port()) +
                 " --from a@example.org --to stranger@elsewhere.org");
    INFO(r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find("550 5.1.1 <stranger@elsewhere.org>: recipient not accepted here") !=
          std::string::npos);
    CHECK(h.deliveries().empty());
  }
  SUBCASE("delivery answers 451") {
    Harness h({}, {451, "4.3.0 Store unavailable"});
    REQUIRE(h.server->listen("127.0.0.1:0").ok());
    h.start();
    auto r = run("swaks --server 127.0.0.1:" + std::to_string(h.server->local_port()) +
                 " --from a@example.org --to pub@example.org");
    INFO(r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find("451 4.3.0 Store unavailable") != std::string::npos);
  }
}

TEST_CASE("swaks over LMTP on a Unix socket: one reply per recipient") {
  // A directory of its own: pids repeat across runs in fresh containers, so a
  // pid-named path can collide with a socket left by another build's run.
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "relais_lmtp_XXXXXX").string();
  REQUIRE(::mkdtemp(dir_template.data()) != nullptr);
  const std::string path = dir_template + "/lmtp.sock";
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() { std::filesystem::remove_all(dir); }
  } remove_dir{dir_template};
  {
    // A stale socket file from an earlier run is replaced.
    asio::io_context io;
    asio::local::stream_protocol::acceptor stale(io, asio::local::stream_protocol::endpoint(path));
  }
  REQUIRE(std::filesystem::is_socket(path));
  email::SmtpServerOptions o;
  o.lmtp = true;
  Harness h(o);
  REQUIRE(h.server->listen("unix:" + path).ok());
  h.start();
  auto r = run("swaks --socket " + path +
               " --protocol LMTP --from a@example.org --to one@example.org,two@example.org");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("220 relais LMTP relais") != std::string::npos);
  const auto d = h.deliveries();
  REQUIRE(d.size() == 1);
  CHECK(d[0].envelope.lmtp);
  CHECK(d[0].envelope.recipients.size() == 2);
  auto raw = python(R"PY(
import socket
s = socket.socket(socket.AF_UNIX)
s.connect(")PY" + path +
                    R"PY(")
f = s.makefile("rb")
s.sendall(b"LHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<one@example.org>\r\n"
          b"RCPT TO:<two@example.org>\r\nDATA\r\n")
lines = [f.readline() for _ in range(10)]  # greeting, 5 LHLO lines, MAIL, 2 RCPT, 354
s.sendall(b"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")
lines += [f.readline() for _ in range(3)]
print(b"".join(lines).decode())
)PY");
  CHECK(raw.find("354 ") != std::string::npos);
  const auto first = raw.find("250 2.0.0 Ok\r\n");
  REQUIRE(first != std::string::npos);
  CHECK(raw.find("250 2.0.0 Ok\r\n", first + 1) != std::string::npos);
  CHECK(raw.find("221 ") != std::string::npos);
  CHECK(h.deliveries().size() == 2);
}

TEST_CASE("python: pipelined commands, smtplib with two messages, dot-stuffing") {
  email::SmtpServerOptions o;
  o.max_message_bytes = 4096;
  Harness h(o);
  REQUIRE(h.server->listen("127.0.0.1:0").ok());
  h.start();
  const std::string port = std::to_string(h.server->local_port());
  auto out = python(R"PY(
import socket, smtplib
s = socket.create_connection(("127.0.0.1", )PY" +
                    port + R"PY())
f = s.makefile("rb")
# Everything up to DATA in one write (RFC 2920), bad commands included.
s.sendall(b"EHLO c\r\nMAIL FROM:<> BODY=8BITMIME\r\nRCPT TO:<x@nowhere.org>\r\n"
          b"RCPT TO:<pub@example.org>\r\nBOGUS\r\nDATA\r\n")
replies = [f.readline() for _ in range(11)]
codes = [r[:3] for r in replies]
print("pipelined", b",".join(codes).decode())
s.sendall(b"Subject: dots\r\n\r\n..starts with a dot\r\n.\r\nNOOP\r\nQUIT\r\n")
print("after", b",".join(f.readline()[:3] for _ in range(3)).decode())

c = smtplib.SMTP("127.0.0.1", )PY" +
                    port + R"PY()
c.ehlo("py")
print("features", "pipelining" in c.esmtp_features, c.esmtp_features.get("size"))
c.sendmail("a@example.org", ["pub@example.org"], "Subject: one\r\n\r\nfirst\r\n")
c.sendmail("b@example.org", ["pub@example.org"], "Subject: two\r\n\r\nsecond\r\n")
# Without SIZE the server only learns the size while reading DATA.
c.mail("c@example.org")
c.rcpt("pub@example.org")
code, text = c.data("Subject: big\r\n\r\n" + ("x" * 70 + "\r\n") * 100)
print("big", code, text.decode())
c.rset()
try:
    c.sendmail("c@example.org", ["pub@example.org"], "x", mail_options=["SIZE=99999"])
except smtplib.SMTPSenderRefused as e:
    print("size", e.smtp_code)
c.quit()
)PY");
  CHECK(out.find("pipelined 220,250,250,250,250,250,250,550,250,500,354") != std::string::npos);
  CHECK(out.find("after 250,250,221") != std::string::npos);
  CHECK(out.find("features True 4096") != std::string::npos);
  CHECK(out.find("big 552 5.3.4 Message too big: the size limit is") != std::string::npos);
  CHECK(out.find("size 552") != std::string::npos);
  const auto d = h.deliveries();
  REQUIRE(d.size() == 3);
  CHECK(d[0].envelope.mail_from.empty());
  CHECK(d[0].message == "Subject: dots\r\n\r\n.starts with a dot\r\n");
  CHECK(d[1].message.find("first") != std::string::npos);
  CHECK(d[2].envelope.mail_from == "b@example.org");
}

TEST_CASE("stop(): a delivery in flight completes, an idle session gets 421") {
  Harness h({}, {250, "2.0.0 Ok"}, 800ms);
  REQUIRE(h.server->listen("127.0.0.1:0").ok());
  h.start();
  const std::string port = std::to_string(h.server->local_port());
  auto client = std::thread([&] {
    auto out = python(R"PY(
import socket
idle = socket.create_connection(("127.0.0.1", )PY" +
                      port + R"PY())
fi = idle.makefile("rb")
fi.readline()
busy = socket.create_connection(("127.0.0.1", )PY" +
                      port + R"PY())
fb = busy.makefile("rb")
fb.readline()
busy.sendall(b"HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<pub@example.org>\r\nDATA\r\n")
for _ in range(4): fb.readline()
busy.sendall(b"Subject: slow\r\n\r\nbody\r\n.\r\n")
print("busy", fb.readline().decode().strip())
print("busy-next", fb.readline().decode().strip())
print("idle", fi.readline().decode().strip())
)PY");
    CHECK(out.find("busy 250 2.0.0 Ok") != std::string::npos);
    CHECK(out.find("busy-next 421 4.3.2") != std::string::npos);
    CHECK(out.find("idle 421 4.3.2 relais Service shutting down") != std::string::npos);
  });
  for (int i = 0; i < 500 && !h.delivering; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(h.delivering);
  CHECK(h.server->active_sessions() == 2);
  auto stopped = asio::co_spawn(h.io, h.server->stop(), asio::use_future);
  CHECK(stopped.wait_for(100ms) == std::future_status::timeout);  // still delivering
  REQUIRE(stopped.wait_for(10s) == std::future_status::ready);
  CHECK(h.deliveries().size() == 1);  // stop completed only after the message was stored
  CHECK(h.server->active_sessions() == 0);
  client.join();
  // No new connection is accepted after stop.
  auto r = run("swaks --server 127.0.0.1:" + port + " --to pub@example.org --timeout 2");
  CHECK(r.status != 0);
}

TEST_CASE("a session over a socket pair: timeout and a line that is too long") {
  asio::io_context io;
  asio::local::stream_protocol::socket server_end(io), client_end(io);
  asio::local::connect_pair(server_end, client_end);
  email::SmtpServerOptions o;
  o.command_timeout = 1s;
  int delivered = 0;
  email::DeliverFn deliver = [&](email::Envelope, std::string) -> asio::awaitable<email::Reply> {
    ++delivered;
    co_return email::Reply{};
  };
  auto control = std::make_shared<email::SessionControl>(io.get_executor());
  bool ended = false;
  asio::co_spawn(io, email::serve_smtp_session(server_end, o, deliver, "pair", control),
                 [&](std::exception_ptr e) {
                   CHECK(!e);
                   ended = true;
                 });
  std::string received;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const std::string long_line = "NOOP " + std::string(5000, 'x') + "\r\nNOOP\r\n";
        co_await asio::async_write(client_end, asio::buffer(long_line), asio::use_awaitable);
        // Then silence: the server times out after 1 s and closes.
        char buf[4096];
        for (;;) {
          auto [ec, n] = co_await client_end.async_read_some(asio::buffer(buf),
                                                             asio::as_tuple(asio::use_awaitable));
          if (ec) {
            break;
          }
          received.append(buf, n);
        }
      },
      asio::detached);
  io.run_for(5s);
  CHECK(ended);
  CHECK(delivered == 0);
  CHECK(received ==
        "220 relais ESMTP relais\r\n500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n"
        "421 4.4.2 relais Timeout, closing connection\r\n");
}
