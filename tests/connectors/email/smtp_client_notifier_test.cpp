// Tests of SmtpClientNotifier against a real SMTP server: /usr/bin/python3 with aiosmtpd, started
// by each test on a free loopback port, answering as each test needs (accept, 4xx, 5xx, AUTH,
// STARTTLS, implicit TLS, silence). The server stops when the test closes its stdin.
#include "connectors/email/smtp_client_notifier.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "connectors/email/message_builder.hpp"

using relais::ErrorKind;
using relais::connectors::OutgoingMail;
using namespace relais::connectors::email;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kServer = R"PY(
import sys, os, json, socket, ssl, threading
outdir, mode = sys.argv[1], sys.argv[2]
threading.Timer(60, lambda: os._exit(3)).start()   # never outlive a stuck test

def free_port():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

def ready(port):
    with open(os.path.join(outdir, 'port.tmp'), 'w') as f: f.write(str(port))
    os.rename(os.path.join(outdir, 'port.tmp'), os.path.join(outdir, 'port'))

if mode == 'silent':
    srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(5)
    ready(srv.getsockname()[1])
    conns = []
    def hold():
        while True:
            c, _ = srv.accept(); conns.append(c)
    threading.Thread(target=hold, daemon=True).start()
    sys.stdin.read(); os._exit(0)

import base64
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

class Handler:
    n = 0
    async def auth_XOAUTH2(self, server, args):
        if len(args) == 2:
            said = base64.b64decode(args[1])
        else:
            said = await server.challenge_auth('', encode_to_b64=False)
        with open(os.path.join(outdir, 'xoauth2'), 'ab') as f: f.write(said + b'\n')
        if said == b'user=relais@example.org\x01auth=Bearer at-good\x01\x01':
            return AuthResult(success=True, auth_data=LoginPassword(b'relais@example.org', b''))
        return AuthResult(success=False, handled=False)
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if mode == 'rcpt550' and address.startswith('nobody'):
            return '550 5.1.1 <%s>: Recipient address rejected' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'
    async def handle_DATA(self, server, session, envelope):
        if mode == '4xx': return '451 4.3.0 Try again later'
        if mode == '5xx': return '554 5.7.1 Message refused by policy'
        Handler.n += 1
        base = os.path.join(outdir, 'msg-%d' % Handler.n)
        with open(base + '.eml', 'wb') as f: f.write(envelope.original_content)
        info = {'from': envelope.mail_from, 'to': envelope.rcpt_tos,
                'login': session.auth_data.login.decode() if session.authenticated else None,
                'tls': server.transport.get_extra_info('ssl_object') is not None, 'helo': session.host_name}
        with open(base + '.json', 'w') as f: json.dump(info, f)
        return '250 2.0.0 Message accepted'

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b'relais' and auth_data.password == b's3cret pass'
    if not ok:
        return AuthResult(success=False, handled=False)   # aiosmtpd then answers 535
    return AuthResult(success=True, auth_data=auth_data)

kw = dict(hostname='127.0.0.1', port=free_port())
if mode == 'xoauth2':
    kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
if mode == 'auth':
    kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
if mode in ('starttls', 'implicit'):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(outdir, 'cert.pem'), os.path.join(outdir, 'key.pem'))
    if mode == 'starttls':
        kw.update(tls_context=ctx, require_starttls=True)
    else:
        kw.update(ssl_context=ctx)
controller = Controller(Handler(), **kw)
if mode == 'implicit':
    def trigger():   # aiosmtpd's own readiness probe speaks clear text to a TLS port
        c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
        with socket.create_connection(('127.0.0.1', kw['port'])) as s:
            with c.wrap_socket(s) as t: t.recv(1024)
    controller._trigger_server = trigger
controller.start()
ready(kw['port'])
sys.stdin.read()
controller.stop()
os._exit(0)
)PY";

// One aiosmtpd server for the duration of a test.
class SmtpServer {
 public:
  explicit SmtpServer(const std::string& mode) {
    std::string tmpl = (fs::temp_directory_path() / "relais-smtp-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ / "server.py") << kServer;
    if (mode == "starttls" || mode == "implicit") {
      std::string cmd =
          "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
          "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
          (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() +
          " >/dev/null 2>&1";
      REQUIRE(std::system(cmd.c_str()) == 0);
    }
    std::string cmd = "/usr/bin/python3 " + (dir_ / "server.py").string() + " " + dir_.string() +
                      " " + mode + " 2>" + (dir_ / "server.log").string();
    pipe_ = popen(cmd.c_str(), "w");
    REQUIRE(pipe_ != nullptr);
    for (int i = 0; i < 200 && !fs::exists(dir_ / "port"); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    REQUIRE(fs::exists(dir_ / "port"));
    std::ifstream(dir_ / "port") >> port_;
  }
  ~SmtpServer() {
    pclose(pipe_);
    fs::remove_all(dir_);
  }
  std::uint16_t port() const { return port_; }
  fs::path cert() const { return dir_ / "cert.pem"; }
  int received() const {
    int n = 0;
    while (fs::exists(dir_ / ("msg-" + std::to_string(n + 1) + ".eml")))
      ++n;
    return n;
  }
  std::string message(int n) const {
    std::ifstream in(dir_ / ("msg-" + std::to_string(n) + ".eml"), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  json::object envelope(int n) const {
    std::ifstream in(dir_ / ("msg-" + std::to_string(n) + ".json"));
    std::ostringstream s;
    s << in.rdbuf();
    return json::parse(s.str()).as_object();
  }

 private:
  fs::path dir_;
  FILE* pipe_ = nullptr;
  std::uint16_t port_ = 0;
};

SmtpClientOptions loopback(std::uint16_t port) {
  SmtpClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = SmtpTls::none;
  o.connect_timeout = 5s;
  o.total_timeout = 20s;
  o.helo_name = "relais.test";
  return o;
}

std::unique_ptr<SmtpClientNotifier> make(const SmtpClientOptions& o) {
  auto n = SmtpClientNotifier::create(o);
  REQUIRE_MESSAGE(n.ok(), (n.ok() ? "" : n.error().message));
  return std::move(*n);
}

// A hand-made message: its body has lines that need dot-stuffing on the wire.
OutgoingMail dotted_mail() {
  OutgoingMail m;
  m.envelope_from = "publications@example.org";
  m.recipients = {"agent@example.org", "referent@example.org"};
  m.message_id = "relais.smtp@example.org";
  m.data =
      "From: publications@example.org\r\nTo: agent@example.org\r\nSubject: dots\r\n"
      "Message-ID: <relais.smtp@example.org>\r\n\r\n"
      ".leading dot\r\n"
      "..two dots\r\n"
      ".\r\n"
      "last line\r\n";
  return m;
}

}  // namespace

TEST_CASE("a message arrives intact, dot lines included, with its envelope") {
  SmtpServer server("ok");
  auto notifier = make(loopback(server.port()));
  OutgoingMail mail = dotted_mail();
  auto r = notifier->send(mail);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  REQUIRE(server.received() == 1);
  CHECK(server.message(1) == mail.data);
  json::object env = server.envelope(1);
  CHECK(env.at("from").as_string() == "publications@example.org");
  CHECK(env.at("to").as_array() == json::array{"agent@example.org", "referent@example.org"});
  CHECK(env.at("helo").as_string() == "relais.test");
  CHECK(env.at("login").is_null());
}

TEST_CASE("a built message with an HTML part goes through unchanged") {
  SmtpServer server("ok");
  MailParts p;
  p.from = "publications@example.org";
  p.from_name = "relais — publications";
  p.to = {"agent@example.org"};
  p.subject = "Votre publication est en ligne";
  p.text = "Bonjour,\n.\n..\nFin\n";
  p.html = "<p>Bonjour</p>\n.\n";
  p.message_id = make_message_id("request-1/effect-1", "example.org");
  auto mail = build_message(p);
  REQUIRE(mail.ok());
  REQUIRE(make(loopback(server.port()))->send(*mail).ok());
  REQUIRE(server.received() == 1);
  CHECK(server.message(1) == mail->data);
}

TEST_CASE("the null sender is sent as MAIL FROM:<>") {
  SmtpServer server("ok");
  OutgoingMail mail = dotted_mail();
  mail.envelope_from.clear();
  REQUIRE(make(loopback(server.port()))->send(mail).ok());
  REQUIRE(server.received() == 1);
  CHECK(server.envelope(1).at("from").as_string() == "<>");
}

TEST_CASE("a 4xx answer is transient, a 5xx answer permanent") {
  {
    SmtpServer server("4xx");
    auto r = make(loopback(server.port()))->send(dotted_mail());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::transient);
    CHECK(r.error().message ==
          "The mail server 127.0.0.1:" + std::to_string(server.port()) +
              " deferred the message (SMTP 451: \"451 4.3.0 Try again later\"); it will be "
              "retried.");
  }
  {
    SmtpServer server("5xx");
    auto r = make(loopback(server.port()))->send(dotted_mail());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::permanent);
    CHECK(r.error().message.find("refused the message for good (SMTP 554: \"554 5.7.1 Message "
                                 "refused by policy\")") != std::string::npos);
  }
}

TEST_CASE("a refused recipient fails the send permanently, with the address masked") {
  SmtpServer server("rcpt550");
  OutgoingMail mail = dotted_mail();
  mail.recipients.push_back("nobody@example.org");
  auto r = make(loopback(server.port()))->send(mail);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::permanent);
  CHECK(r.error().message.find("SMTP 550") != std::string::npos);
  CHECK(r.error().message.find("nobody") == std::string::npos);
  CHECK(r.error().message.find("<address>") != std::string::npos);
  CHECK(server.received() == 0);
}

TEST_CASE("connection refused and a silent server are transient") {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(s);  // the port is now (almost certainly) closed
  auto r = make(loopback(ntohs(a.sin_port)))->send(dotted_mail());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::transient);
  CHECK(r.error().message.find("could not be reached") != std::string::npos);

  SmtpServer silent("silent");
  SmtpClientOptions o = loopback(silent.port());
  o.total_timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  auto t = make(o)->send(dotted_mail());
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == ErrorKind::transient);
  CHECK(t.error().message.find("did not answer in time") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("AUTH with the right password sends; a wrong one is refused for good") {
  SmtpServer server("auth");
  SmtpClientOptions o = loopback(server.port());
  o.username = "relais";
  o.password = "s3cret pass";
  auto r = make(o)->send(dotted_mail());
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  REQUIRE(server.received() == 1);
  CHECK(server.envelope(1).at("login").as_string() == "relais");

  o.password = "wrong";
  auto bad = make(o)->send(dotted_mail());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::permanent);
  CHECK(bad.error().message.find("wrong") == std::string::npos);
  CHECK(bad.error().message.find("535") != std::string::npos);

  // No credentials where the server requires them: refused, nothing delivered.
  auto none = make(loopback(server.port()))->send(dotted_mail());
  REQUIRE_FALSE(none.ok());
  CHECK(server.received() == 1);
}

TEST_CASE("XOAUTH2: the token is sent as the SASL string; a refused one is renewed") {
  SmtpServer server("xoauth2");
  SmtpClientOptions o = loopback(server.port());
  o.username = "relais@example.org";
  std::vector<std::string> asked;  // what the notifier reported refused, at each call
  std::string next = "at-stale";
  o.bearer = [&](const std::string& refused) -> relais::Result<std::string> {
    asked.push_back(refused);
    if (!refused.empty())
      next = "at-good";  // renewed
    return next;
  };
  auto notifier = make(o);
  auto first = notifier->send(dotted_mail());
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().kind == ErrorKind::transient);  // the outbox tries again
  CHECK(first.error().message.find("at-stale") == std::string::npos);
  auto second = notifier->send(dotted_mail());
  REQUIRE_MESSAGE(second.ok(), (second.ok() ? "" : second.error().message));
  CHECK(asked == std::vector<std::string>{"", "at-stale"});
  REQUIRE(server.received() == 1);
  CHECK(server.envelope(1).at("login").as_string() == "relais@example.org");

  // A token the provider cannot give: that error, nothing sent.
  o.bearer = [](const std::string&) -> relais::Result<std::string> {
    return relais::permanent("The identity provider refused the refresh token (revoked).");
  };
  auto refused = make(o)->send(dotted_mail());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("revoked") != std::string::npos);
  CHECK(server.received() == 1);
}

TEST_CASE("STARTTLS is required: a server without it gets nothing in clear text") {
  SmtpServer server("ok");
  SmtpClientOptions o = loopback(server.port());
  o.tls = SmtpTls::starttls;
  auto r = make(o)->send(dotted_mail());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::transient);
  CHECK(r.error().message.find("does not offer STARTTLS") != std::string::npos);
  CHECK(server.received() == 0);
}

TEST_CASE("STARTTLS and implicit TLS with a verified certificate") {
  for (std::string mode : {"starttls", "implicit"}) {
    CAPTURE(mode);
    SmtpServer server(mode);
    SmtpClientOptions o = loopback(server.port());
    o.tls = mode == "starttls" ? SmtpTls::starttls : SmtpTls::implicit;
    o.host = "localhost";

    // Without the test CA the certificate cannot be verified: nothing is sent.
    auto unverified = make(o)->send(dotted_mail());
    REQUIRE_FALSE(unverified.ok());
    CHECK(unverified.error().kind == ErrorKind::transient);
    CHECK(server.received() == 0);

    o.ca_file = server.cert().string();
    auto r = make(o)->send(dotted_mail());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    REQUIRE(server.received() == 1);
    CHECK(server.envelope(1).at("tls").as_bool());
    CHECK(server.message(1) == dotted_mail().data);
  }
}

TEST_CASE("options are checked at creation") {
  auto refused = [](auto change) {
    SmtpClientOptions o = loopback(25);
    change(o);
    auto r = SmtpClientNotifier::create(o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    return r.error().message;
  };
  CHECK(refused([](SmtpClientOptions& o) { o.host = "smtp.example.org"; }) ==
        "SMTP without TLS is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1)");
  CHECK(refused([](SmtpClientOptions& o) { o.host = "10.0.0.1"; }).find("loopback") !=
        std::string::npos);
  CHECK(refused([](SmtpClientOptions& o) { o.host = "127.0.0.1.evil.example"; }).find("loopback") !=
        std::string::npos);
  CHECK(refused([](SmtpClientOptions& o) { o.host = ""; }) ==
        "the SMTP relay host is not a valid host name or IP address");
  CHECK(refused([](SmtpClientOptions& o) { o.host = "a/b"; }) ==
        "the SMTP relay host is not a valid host name or IP address");
  CHECK(refused([](SmtpClientOptions& o) { o.host = "user@host"; }) ==
        "the SMTP relay host is not a valid host name or IP address");
  CHECK(refused([](SmtpClientOptions& o) { o.host = "host\r\n"; }) ==
        "the SMTP relay host is not a valid host name or IP address");
  CHECK(refused([](SmtpClientOptions& o) { o.port = 0; }) ==
        "the SMTP relay port must be between 1 and 65535");
  CHECK(refused([](SmtpClientOptions& o) { o.helo_name = "bad name"; }) ==
        "the SMTP EHLO name is not a valid host name");
  CHECK(refused([](SmtpClientOptions& o) {
          o.username = "u";
          o.password = "p\r\nQUIT";
        }) == "the SMTP username or password contains a line break");
  CHECK(refused([](SmtpClientOptions& o) { o.username = "u"; }) ==
        "the SMTP username and password (or token) must be given together");
  CHECK(refused([](SmtpClientOptions& o) { o.total_timeout = 0s; }) ==
        "the SMTP timeouts must be positive");

  for (std::string host : {"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"}) {
    CAPTURE(host);
    SmtpClientOptions o = loopback(25);
    o.host = host;
    CHECK(SmtpClientNotifier::create(o).ok());
  }
  SmtpClientOptions remote = loopback(587);
  remote.host = "smtp.example.org";
  remote.tls = SmtpTls::starttls;
  CHECK(SmtpClientNotifier::create(remote).ok());
  CHECK(parse_smtp_tls("starttls") == SmtpTls::starttls);
  CHECK(parse_smtp_tls("implicit") == SmtpTls::implicit);
  CHECK(parse_smtp_tls("none") == SmtpTls::none);
  CHECK_FALSE(parse_smtp_tls("STARTTLS").has_value());
  CHECK_FALSE(parse_smtp_tls("").has_value());
}

TEST_CASE("malformed envelopes are refused before connecting") {
  auto notifier = make(loopback(1));
  auto refused = [&](auto change) {
    OutgoingMail m = dotted_mail();
    change(m);
    auto r = notifier->send(m);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    return r.error().message;
  };
  CHECK(refused([](OutgoingMail& m) { m.recipients.clear(); }) == "the mail has no recipient");
  CHECK(refused([](OutgoingMail& m) { m.recipients = {"a@b.org>\r\nRCPT TO:<c@d.org"}; }) ==
        "a recipient address is not usable in an SMTP envelope");
  CHECK(refused([](OutgoingMail& m) { m.recipients = {""}; }) ==
        "a recipient address is not usable in an SMTP envelope");
  CHECK(refused([](OutgoingMail& m) { m.envelope_from = "a@b.org> SIZE=1"; }) ==
        "the envelope sender is not usable in an SMTP envelope");
  CHECK(refused([](OutgoingMail& m) { m.data.clear(); }) == "the mail has no content");
}
