// The IMAP client against a real Dovecot started here (dovecot_server.py), with messages put in
// by Python's imaplib: log in, list, read, move, wait in IDLE, the fallbacks where a server has
// no IDLE or MOVE, TLS from the first byte and through STARTTLS, and the refusals.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../local_server.hpp"
#include "../test_certificates.hpp"
#include "connectors/email/imap_client.hpp"

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace relais::connectors::email;
using namespace std::chrono_literals;
using relais::ErrorKind;

namespace {

const std::string kSource = std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/email/";

struct Dovecot {
  fs::path dir;
  std::unique_ptr<relais::test::LocalServer> server;

  explicit Dovecot(const std::string& flags = "") {
    char name[] = "/tmp/relais-dovecot-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    server = std::make_unique<relais::test::LocalServer>(kSource + "dovecot_server.py " +
                                                         dir.string() + " " + flags);
    wait_until_listening();
  }
  ~Dovecot() {
    server.reset();
    fs::remove_all(dir);
  }
  void wait_until_listening() {
    for (int i = 0; i < 100; ++i) {
      if (python("import socket; socket.create_connection(('127.0.0.1', PORT), 1)") == 0)
        return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL("Dovecot did not start; see " << (dir / "dovecot.log"));
  }
  // Runs Python with M, an imaplib session logged in, when the code names it.
  int python(std::string code) const {
    const std::string port = std::to_string(server->port);
    for (auto at = code.find("PORT"); at != std::string::npos; at = code.find("PORT"))
      code.replace(at, 4, port);
    std::ofstream(dir / "script.py") << "import imaplib, sys\n"
                                     << "def session():\n"
                                     << "    m = imaplib.IMAP4('127.0.0.1', " << port << ")\n"
                                     << "    m.login('publications@example.org', 'secret')\n"
                                     << "    return m\n"
                                     << code << "\n";
    return std::system(("python3 " + (dir / "script.py").string() + " >/dev/null 2>&1").c_str());
  }
  // A message with that subject (any text: it goes through a file, not the script).
  void append(const std::string& subject) const {
    std::ofstream(dir / "subject.txt") << subject;
    REQUIRE(python("subject = open('" + (dir / "subject.txt").string() +
                   "', encoding='utf-8').read()\n"
                   "message = 'From: agent@example.org\\r\\nSubject: %s\\r\\n\\r\\nBonjour\\r\\n'"
                   "\n"
                   "session().append('INBOX', None, None, (message % subject).encode())") == 0);
  }
  // How many messages a mailbox holds, as imaplib sees it.
  int count(const std::string& mailbox) const {
    const auto out = dir / "count.txt";
    REQUIRE(python("m = session(); t, d = m.select('\"" + mailbox + "\"'); open('" + out.string() +
                   "', 'w').write(d[0].decode())") == 0);
    std::ifstream in(out);
    int n = -1;
    in >> n;
    return n;
  }
  ImapOptions options() const {
    ImapOptions o;
    o.host = "127.0.0.1";
    o.port = static_cast<std::uint16_t>(server->port);
    o.tls = ImapTls::none;
    o.command_timeout = 10s;
    return o;
  }
};

// Runs one coroutine to its end on a private io_context.
template <typename F>
auto run(F&& make) {
  asio::io_context io;
  auto future = asio::co_spawn(io, make(io.get_executor()), asio::use_future);
  io.run();
  return future.get();
}

}  // namespace

TEST_CASE("imap: log in, list from a UID, read, move to a folder with an accented name") {
  Dovecot dovecot;
  dovecot.append("Forum des associations");
  dovecot.append("Marché de Noël");
  auto outcome = run([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
    auto session = co_await ImapSession::open(ex, dovecot.options());
    REQUIRE_MESSAGE(session.ok(), session.error().message);
    auto& s = **session;
    CHECK(s.has_capability("IDLE"));
    auto logged = co_await s.login("publications@example.org", "secret");
    REQUIRE_MESSAGE(logged.ok(), logged.error().message);
    auto box = co_await s.select("INBOX");
    REQUIRE_MESSAGE(box.ok(), box.error().message);
    CHECK(box->uid_validity > 0);
    CHECK(box->exists == 2);
    auto uids = co_await s.uids_from(1);
    REQUIRE(uids.ok());
    CHECK(*uids == std::vector<std::uint32_t>{1, 2});
    auto later = co_await s.uids_from(3);  // "3:*" names UID 2 on the wire: not taken
    REQUIRE(later.ok());
    CHECK(later->empty());
    auto first = co_await s.fetch(1);
    REQUIRE_MESSAGE(first.ok(), first.error().message);
    REQUIRE(first->bytes.has_value());
    CHECK(first->bytes->find("Subject: Forum des associations\r\n") != std::string::npos);
    CHECK(first->size == first->bytes->size());
    auto moved = co_await s.move(1, "relais/traités");  // created on first use (TRYCREATE)
    REQUIRE_MESSAGE(moved.ok(), moved.error().message);
    auto left = co_await s.uids_from(1);
    REQUIRE(left.ok());
    CHECK(*left == std::vector<std::uint32_t>{2});
    co_await s.logout();
    co_return "done";
  });
  CHECK(outcome == "done");
  CHECK(dovecot.count("INBOX") == 1);
  CHECK(dovecot.count("relais/trait&AOk-s") == 1);
}

TEST_CASE("imap: IDLE returns as soon as a message arrives, and at the time given otherwise") {
  Dovecot dovecot;
  auto waited = run([&](asio::any_io_executor ex) -> asio::awaitable<std::chrono::milliseconds> {
    auto session = co_await ImapSession::open(ex, dovecot.options());
    REQUIRE(session.ok());
    auto& s = **session;
    REQUIRE((co_await s.login("publications@example.org", "secret")).ok());
    REQUIRE((co_await s.select("INBOX")).ok());
    auto quiet = co_await s.idle(300ms);
    REQUIRE_MESSAGE(quiet.ok(), quiet.error().message);
    CHECK(*quiet == IdleEnd::timed_out);
    std::thread writer([&] {
      std::this_thread::sleep_for(300ms);
      dovecot.append("Nouveau");
    });
    const auto start = std::chrono::steady_clock::now();
    auto news = co_await s.idle(20s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    writer.join();
    REQUIRE_MESSAGE(news.ok(), news.error().message);
    CHECK(*news == IdleEnd::new_mail);
    auto uids = co_await s.uids_from(1);  // the session is usable after IDLE
    REQUIRE(uids.ok());
    CHECK(uids->size() == 1);
    co_return took;
  });
  CHECK(waited < 5s);
}

TEST_CASE("imap: without IDLE a NOOP after the wait; without MOVE a copy then expunge") {
  Dovecot dovecot("--no-idle --no-move");
  dovecot.append("Forum");
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto session = co_await ImapSession::open(ex, dovecot.options());
    REQUIRE(session.ok());
    auto& s = **session;
    REQUIRE((co_await s.login("publications@example.org", "secret")).ok());
    CHECK_FALSE(s.has_capability("IDLE"));
    CHECK_FALSE(s.has_capability("MOVE"));
    REQUIRE((co_await s.select("INBOX")).ok());
    dovecot.append("Pendant l'attente");
    auto polled = co_await s.idle(200ms);
    REQUIRE_MESSAGE(polled.ok(), polled.error().message);
    CHECK(*polled == IdleEnd::new_mail);
    auto moved = co_await s.move(1, "Traités");
    REQUIRE_MESSAGE(moved.ok(), moved.error().message);
    auto left = co_await s.uids_from(1);
    REQUIRE(left.ok());
    CHECK(*left == std::vector<std::uint32_t>{2});
  });
  CHECK(dovecot.count("Trait&AOk-s") == 1);
}

TEST_CASE("imap: TLS from the first byte and through STARTTLS, with the server verified") {
  const auto& c = relais::test::certificates();
  const std::string files = c.path("server.pem") + " " + c.path("server.key");
  for (const auto& [flag, mode] :
       {std::pair{"--tls ", ImapTls::implicit}, std::pair{"--starttls ", ImapTls::starttls}}) {
    CAPTURE(flag);
    Dovecot dovecot(flag + files);
    ImapOptions o = dovecot.options();
    o.host = "localhost";
    o.tls = mode;
    o.extra_ca_file = c.path("ca.pem");
    run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      auto session = co_await ImapSession::open(ex, o);
      REQUIRE_MESSAGE(session.ok(), session.error().message);
      auto logged = co_await (*session)->login("publications@example.org", "secret");
      CHECK_MESSAGE(logged.ok(), logged.error().message);
      ImapOptions untrusted = o;
      untrusted.extra_ca_file.clear();
      auto refused = co_await ImapSession::open(ex, untrusted);
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().kind == ErrorKind::permanent);
      CHECK(refused.error().message.find("cannot be trusted") != std::string::npos);
      ImapOptions wrong_name = o;
      wrong_name.host = "127.0.0.1";
      auto other = co_await ImapSession::open(ex, wrong_name);
      REQUIRE_FALSE(other.ok());
      CHECK(other.error().kind == ErrorKind::permanent);
    });
  }
}

TEST_CASE("imap: refusals say what is wrong, and never carry the password") {
  Dovecot dovecot;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto session = co_await ImapSession::open(ex, dovecot.options());
    REQUIRE(session.ok());
    auto refused = co_await (*session)->login("publications@example.org", "wrong-password");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(refused.error().message.find("refused the user name and password") != std::string::npos);
    CHECK(refused.error().message.find("wrong-password") == std::string::npos);

    auto again = co_await ImapSession::open(ex, dovecot.options());
    REQUIRE(again.ok());
    REQUIRE((co_await (*again)->login("publications@example.org", "secret")).ok());
    auto missing = co_await (*again)->select("Nulle part");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::permanent);
    CHECK(missing.error().message.find("Nulle part") != std::string::npos);

    ImapOptions clear = dovecot.options();
    clear.host = "imap.example.org";
    auto far = co_await ImapSession::open(ex, clear);
    REQUIRE_FALSE(far.ok());
    CHECK(far.error().kind == ErrorKind::invalid_input);

    ImapOptions closed = dovecot.options();
    closed.port = 1;
    auto nobody = co_await ImapSession::open(ex, closed);
    REQUIRE_FALSE(nobody.ok());
    CHECK(nobody.error().kind == ErrorKind::transient);
  });
}

TEST_CASE("imap: a message larger than the limit is measured, not read") {
  Dovecot dovecot;
  dovecot.append("Grosse pièce jointe");
  ImapOptions o = dovecot.options();
  o.max_message_bytes = 20;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto session = co_await ImapSession::open(ex, o);
    REQUIRE(session.ok());
    REQUIRE((co_await (*session)->login("publications@example.org", "secret")).ok());
    REQUIRE((co_await (*session)->select("INBOX")).ok());
    auto big = co_await (*session)->fetch(1);
    REQUIRE(big.ok());
    CHECK(big->size > 20);
    CHECK_FALSE(big->bytes.has_value());
  });
}
