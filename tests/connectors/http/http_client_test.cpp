// The HTTPS client against local servers (tests/connectors/http/servers.py) with certificates
// made here by `openssl req`: a certificate signed by a CA the test adds is accepted; a
// self-signed one, one for another host name, or any without the CA are refused before
// anything is sent. Plain http only on loopback, the CONNECT tunnel of a proxy, time-outs and
// the answer size limit.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "../local_server.hpp"
#include "../test_certificates.hpp"
#include "connectors/http/http_client.hpp"

namespace fs = std::filesystem;
using namespace relais::connectors::http;
using relais::ErrorKind;
using namespace std::chrono_literals;

namespace {

const std::string kServers = std::string(RELAIS_SOURCE_DIR) + "/tests/connectors/http/servers.py";

struct Server : relais::test::LocalServer {
  explicit Server(const std::string& args) : LocalServer(kServers + " " + args) {}
};

using relais::test::certificates;
using relais::test::sh;

// The SHA-256 of `bytes` in hex, by the sha256sum command.
std::string sha256_of(const fs::path& dir, const std::string& bytes) {
  std::ofstream(dir / "hash.in", std::ios::binary) << bytes;
  sh("sha256sum " + (dir / "hash.in").string() + " | cut -c1-64 > " + (dir / "hash.out").string());
  std::ifstream in(dir / "hash.out");
  std::string hex;
  in >> hex;
  return hex;
}

ClientOptions trusting_test_ca() {
  ClientOptions o;
  o.extra_ca_file = certificates().path("ca.pem");
  o.connect_timeout = 5s;
  o.read_timeout = 5s;
  o.total_timeout = 20s;
  return o;
}

Request get(const std::string& url) {
  Request r;
  r.url = url;
  return r;
}

}  // namespace

TEST_CASE("https: a certificate signed by an added CA, for the host called, is accepted") {
  const auto& c = certificates();
  Server server("https " + c.path("server.pem") + " " + c.path("server.key"));
  Client client(trusting_test_ca());
  auto answer = client.send(get(server.url("https", "localhost", "/hello?x=1")));
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(answer->status == 200);
  CHECK(answer->body == "GET /hello?x=1 host=localhost:" + std::to_string(server.port) + " body=");
  CHECK(answer->header("x-echo") == "yes");
  CHECK(answer->header("X-ECHO") == "yes");
  CHECK(answer->header("missing").empty());

  Request post;
  post.method = "POST";
  post.url = server.url("https", "localhost", "/statuses");
  post.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer t"}};
  post.body = R"({"status":"Bonjour"})";
  auto posted = client.send(post);
  REQUIRE(posted.ok());
  CHECK(posted->body.ends_with(R"(body={"status":"Bonjour"})"));
}

TEST_CASE("https: untrusted certificates are refused before anything is sent") {
  const auto& c = certificates();
  Server signed_server("https " + c.path("server.pem") + " " + c.path("server.key"));
  Server self_signed("https " + c.path("self.pem") + " " + c.path("self.key"));
  struct Case {
    const char* what;
    std::string url;
    bool add_ca;
  };
  for (const auto& k : {
           Case{"self-signed", self_signed.url("https", "localhost"), true},
           Case{"another host name", signed_server.url("https", "127.0.0.1"), true},
           Case{"an issuer not trusted", signed_server.url("https", "localhost"), false},
       }) {
    CAPTURE(k.what);
    ClientOptions o = trusting_test_ca();
    if (!k.add_ca)
      o.extra_ca_file.clear();
    Client client(o);
    auto answer = client.send(get(k.url));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::permanent);
    CHECK(answer.error().message.find("cannot be trusted") != std::string::npos);
  }
}

TEST_CASE("urls: https anywhere, plain http only on loopback") {
  Client client(trusting_test_ca());
  for (const char* url : {"http://example.org/", "http://10.0.0.1:8080/x", "ftp://localhost/",
                          "not a url", "https:///nohost"}) {
    CAPTURE(url);
    auto answer = client.send(get(url));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::invalid_input);
  }
  Server plain("http");
  auto answer = client.send(get(plain.url("http", "127.0.0.1", "/local")));
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(answer->body.starts_with("GET /local host=127.0.0.1:"));
}

TEST_CASE("failures that may heal are transient: refused, silent, too large") {
  ClientOptions o = trusting_test_ca();
  o.read_timeout = 300ms;
  Client client(o);
  SUBCASE("nobody listens") {
    Server gone("http");
    const auto url = gone.url("http", "127.0.0.1");
    ::kill(-gone.group, SIGKILL);
    ::waitpid(gone.group, nullptr, 0);
    gone.group = 0;
    auto answer = client.send(get(url));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::transient);
  }
  SUBCASE("a server that never answers") {
    Server silent("silent");
    const auto start = std::chrono::steady_clock::now();
    auto answer = client.send(get(silent.url("http", "127.0.0.1")));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::transient);
    CHECK(answer.error().message.find("timed out") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
  SUBCASE("an answer over the limit") {
    o.max_response_bytes = 10000;
    Client small(o);
    Server plain("http");
    auto answer = small.send(get(plain.url("http", "127.0.0.1", "/big")));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::transient);
    CHECK(answer.error().message.find("larger than 10000 bytes") != std::string::npos);
  }
  SUBCASE("the whole exchange is bounded") {
    o.read_timeout = 10s;
    o.total_timeout = 400ms;
    Client bounded(o);
    Server silent("silent");
    auto answer = bounded.send(get(silent.url("http", "127.0.0.1")));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::transient);
  }
}

TEST_CASE("proxy: https goes through a CONNECT tunnel, verified end to end") {
  const auto& c = certificates();
  Server target("https " + c.path("server.pem") + " " + c.path("server.key"));
  const auto log = (c.dir / "proxy.log").string();
  Server proxy("proxy 2>" + log);
  ClientOptions o = trusting_test_ca();
  o.https_proxy = "http://127.0.0.1:" + std::to_string(proxy.port);
  // Loopback never goes through a proxy, so the test server is called as "localhost." (the
  // same host, written fully qualified), which the bypass rule does not know.
  SUBCASE("through the tunnel") {
    Client client(o);
    Request r = get("https://localhost.:" + std::to_string(target.port) + "/via");
    auto answer = client.send(r);
    REQUIRE_MESSAGE(answer.ok(), answer.error().message);
    CHECK(answer->body.starts_with("GET /via host=localhost.:"));
    std::ifstream in(log);
    std::stringstream seen;
    seen << in.rdbuf();
    CHECK(seen.str().find("CONNECT localhost.:" + std::to_string(target.port)) !=
          std::string::npos);
  }
  SUBCASE("a proxy that refuses") {
    Server refusing("proxy refuse 2>/dev/null");
    o.https_proxy = "http://127.0.0.1:" + std::to_string(refusing.port);
    Client client(o);
    auto answer = client.send(get("https://localhost.:" + std::to_string(target.port) + "/"));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().kind == ErrorKind::transient);
    CHECK(answer.error().message.find("refused the tunnel") != std::string::npos);
  }
}

TEST_CASE("proxy bypass: loopback always, then the no_proxy list") {
  CHECK(bypasses_proxy("127.0.0.1", ""));
  CHECK(bypasses_proxy("::1", ""));
  CHECK(bypasses_proxy("[::1]", ""));
  CHECK(bypasses_proxy("localhost", ""));
  CHECK_FALSE(bypasses_proxy("graph.facebook.com", ""));
  CHECK(bypasses_proxy("graph.facebook.com", "*"));
  CHECK(bypasses_proxy("intranet.mairie.fr", "example.org, .mairie.fr"));
  CHECK(bypasses_proxy("mairie.fr", ".mairie.fr"));
  CHECK_FALSE(bypasses_proxy("notmairie.fr", "mairie.fr"));
  CHECK(bypasses_proxy("API.LinkedIn.com", "linkedin.com"));
  CHECK(is_loopback_host("127.8.9.10"));
  CHECK_FALSE(is_loopback_host("128.0.0.1"));
  CHECK_FALSE(is_loopback_host("localhost.example.org"));
}

TEST_CASE("multipart/form-data: the parts as RFC 7578 writes them") {
  const auto file = certificates().dir / "photo.bin";
  std::ofstream(file, std::ios::binary) << "JPEGDATA";
  const auto m = multipart_form({{"description", "Fête \"du\" sport", {}, "", ""},
                                 {"file", "", file, "a\"b\r\n.jpg", "image/jpeg"}},
                                "B0UNDARY");
  CHECK(m.content_type == "multipart/form-data; boundary=B0UNDARY");
  std::string flat;
  for (const auto& part : m.parts) {
    if (part.file.empty()) {
      flat += part.bytes;
    } else {
      CHECK(part.file == file);
      flat += "<file>";
    }
  }
  CHECK(flat ==
        "--B0UNDARY\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n"
        "Fête \"du\" sport\r\n"
        "--B0UNDARY\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"a%22b%0D%0A.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n<file>\r\n"
        "--B0UNDARY--\r\n");
  CHECK(multipart_form({}).content_type.size() > 40);  // a random boundary
}

TEST_CASE("a streamed upload: a 3 MB file sent from disk, read back by Python's MIME parser") {
  const auto& c = certificates();
  Server server("https " + c.path("server.pem") + " " + c.path("server.key"));
  const auto file = c.dir / "video.mp4";
  std::string bytes(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::ofstream(file, std::ios::binary) << bytes;
  const auto form = multipart_form(
      {{"description", "Forum", {}, "", ""}, {"file", "", file, "forum.mp4", "video/mp4"}});
  Request r;
  r.method = "POST";
  r.url = server.url("https", "localhost", "/form");
  r.headers = {{"Content-Type", form.content_type}};
  r.parts = form.parts;
  Client client(trusting_test_ca());
  auto answer = client.send(r);
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(answer->status == 200);
  CHECK(answer->body == "description|||5|" + sha256_of(c.dir, "Forum") +
                            "\nfile|forum.mp4|video/mp4|" + std::to_string(bytes.size()) + "|" +
                            sha256_of(c.dir, bytes));

  Request missing = r;
  missing.parts = {{"", c.dir / "gone.mp4"}};
  auto refused = client.send(missing);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::permanent);
}

TEST_CASE("redirects: only when asked, 303 becomes a GET, no credentials to another host") {
  Server plain("http");
  Client client(trusting_test_ca());
  Request r;
  r.method = "POST";
  r.url = plain.url("http", "127.0.0.1", "/go303");
  r.headers = {{"Authorization", "Bearer secret"}, {"Content-Type", "text/plain"}};
  r.body = "payload";
  auto not_followed = client.send(r);
  REQUIRE(not_followed.ok());
  CHECK(not_followed->status == 303);

  r.follow_redirects = 3;
  auto see_other = client.send(r);
  REQUIRE(see_other.ok());
  CHECK(see_other->body.starts_with("GET /landed "));
  CHECK(see_other->body.ends_with("body="));
  CHECK(see_other->header("X-Auth-Seen") == "yes");

  r.url = plain.url("http", "127.0.0.1", "/go307");
  auto temporary = client.send(r);
  REQUIRE(temporary.ok());
  CHECK(temporary->body.starts_with("POST /landed "));
  CHECK(temporary->body.ends_with("body=payload"));

  r.method = "GET";
  r.body.clear();
  r.url = plain.url("http", "127.0.0.1", "/away");
  auto elsewhere = client.send(r);
  REQUIRE(elsewhere.ok());
  CHECK(elsewhere->body.starts_with("GET /landed host=localhost:"));
  CHECK(elsewhere->header("X-Auth-Seen") == "no");

  r.url = plain.url("http", "127.0.0.1", "/loop");
  auto loop = client.send(r);
  REQUIRE(loop.ok());
  CHECK(loop->status == 302);  // given up after three hops: the last answer is returned
}

TEST_CASE("keep-alive: calls to one host share a connection while the server keeps it") {
  const auto& c = certificates();
  Server tls_server("https " + c.path("server.pem") + " " + c.path("server.key"));
  Server plain("http");
  Client client(trusting_test_ca());
  for (const auto& base : {tls_server.url("https", "localhost"), plain.url("http", "127.0.0.1")}) {
    CAPTURE(base);
    auto port = [&](const std::string& path, const std::string& method = "GET") {
      Request r = get(base + path.substr(1));
      r.method = method;
      auto answer = client.send(r);
      REQUIRE_MESSAGE(answer.ok(), answer.error().message);
      return answer->header("X-Peer-Port");
    };
    const auto first = port("/a");
    CHECK(port("/b", "POST") == first);
    CHECK(port("/c", "DELETE") == first);
    // "Connection: close" is obeyed: the next call opens another connection.
    CHECK(port("/close") == first);
    const auto second = port("/d");
    CHECK(second != first);
    // "Keep-Alive: timeout=1" leaves no time to reuse it safely.
    CHECK(port("/short") == second);
    CHECK(port("/e") != second);
  }
}

TEST_CASE("keep-alive: an interim 103 answer is read past, not left for the next call") {
  Server plain("http");
  Client client(trusting_test_ca());
  auto early = client.send(get(plain.url("http", "127.0.0.1", "/early")));
  REQUIRE_MESSAGE(early.ok(), early.error().message);
  CHECK(early->status == 200);
  CHECK(early->body.starts_with("GET /early "));
  auto next = client.send(get(plain.url("http", "127.0.0.1", "/next")));
  REQUIRE_MESSAGE(next.ok(), next.error().message);
  CHECK(next->body.starts_with("GET /next "));
  CHECK(next->header("X-Peer-Port") == early->header("X-Peer-Port"));
}

TEST_CASE("keep-alive: a connection the server closed is never trusted with a request") {
  Server plain("http");
  Client client(trusting_test_ca());
  auto send = [&](const std::string& method, const std::string& path) {
    Request r = get(plain.url("http", "127.0.0.1", path));
    r.method = method;
    return client.send(r);
  };
  SUBCASE("closed while idle: the next create goes on a new connection, and succeeds") {
    auto hung_up = send("GET", "/hangup");
    REQUIRE(hung_up.ok());
    std::this_thread::sleep_for(200ms);
    auto created = send("POST", "/statuses");
    REQUIRE_MESSAGE(created.ok(), created.error().message);
    CHECK(created->header("X-Peer-Port") != hung_up->header("X-Peer-Port"));
  }
  SUBCASE("closed under a GET, before any answer: sent again on a new connection") {
    auto first = send("GET", "/flaky");
    REQUIRE(first.ok());
    auto again = send("GET", "/flaky");
    REQUIRE_MESSAGE(again.ok(), again.error().message);
    CHECK(again->header("X-Peer-Port") != first->header("X-Peer-Port"));
  }
  SUBCASE("closed under a POST after it was sent: not sent twice, the outcome is unknown") {
    REQUIRE(send("GET", "/").ok());
    auto created = send("POST", "/flaky");
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().kind == ErrorKind::transient);
    CHECK(created.error().outcome_unknown);
  }
}

TEST_CASE("internal addresses are told apart from public ones") {
  using relais::connectors::http::internal_address_kind;
  for (const char* a : {"127.0.0.1", "127.8.9.1", "::1", "[::1]", "::ffff:127.0.0.1"})
    CHECK(internal_address_kind(a) == "loopback");
  for (const char* a :
       {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd12::1", "::ffff:10.0.0.1"})
    CHECK(internal_address_kind(a).starts_with("private"));
  for (const char* a : {"169.254.169.254", "fe80::1", "fe80::1%eth0"})
    CHECK(internal_address_kind(a) == "link-local");
  CHECK(internal_address_kind("0.0.0.0") == "unspecified");
  CHECK(internal_address_kind("::") == "unspecified");
  CHECK(internal_address_kind("100.64.0.1") == "shared (carrier-grade NAT)");
  CHECK(internal_address_kind("224.0.0.1") == "multicast or reserved");
  CHECK(internal_address_kind("64:ff9b::a00:1") == "NAT64");
  CHECK(internal_address_kind("64:ff9b:1::1") == "NAT64");
  CHECK(internal_address_kind("fec0::1") == "private (site-local)");
  CHECK(internal_address_kind("2001:0:4136:e378::1") == "Teredo");
  CHECK(internal_address_kind("::127.0.0.1") == "loopback");
  CHECK(internal_address_kind("nonsense") == "not an IP address");
  for (const char* a :
       {"93.184.216.34", "172.32.0.1", "192.169.0.1", "2001:db8::1", "2a01:e0a::1", "100.128.0.1"})
    CHECK(internal_address_kind(a).empty());
}
