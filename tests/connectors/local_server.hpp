// A local test server written in Python, run for the length of a test: the fake network
// APIs and the TLS and proxy servers of the connector tests.
#pragma once

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <string>

#include "connectors/http/http_client.hpp"

namespace relais::test {

// One Python test server (`script_and_args`, run by sh: redirections allowed), in a process
// group of its own, killed when the test ends. The script prints "PID PORT" once listening.
struct LocalServer {
  pid_t group = 0;
  int pid = 0;
  int port = 0;
  explicit LocalServer(const std::string& script_and_args) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    group = ::fork();
    REQUIRE(group >= 0);
    if (group == 0) {
      ::setpgid(0, 0);
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string command = "exec python3 " + script_and_args;
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(group, group);
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    REQUIRE(out != nullptr);
    const int read = std::fscanf(out, "%d %d", &pid, &port);
    std::fclose(out);
    REQUIRE(read == 2);
  }
  ~LocalServer() {
    if (group > 0) {
      ::kill(-group, SIGKILL);
      ::waitpid(group, nullptr, 0);
    }
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  std::string url(const std::string& scheme, const std::string& host,
                  const std::string& path = "/") const {
    return scheme + "://" + host + ":" + std::to_string(port) + path;
  }
};

// A fake network's control endpoints (tests/connectors/*/fake_*.py): GET /__state, and POST
// /__fault, /__seed, /__reset... with a JSON body; both answer JSON.
inline boost::json::object fake_state(const std::string& base_url) {
  static connectors::http::Client client{connectors::http::ClientOptions{}};
  connectors::http::Request r;
  r.url = base_url + "/__state";
  auto answer = client.send(r);
  REQUIRE(answer.ok());
  return boost::json::parse(answer->body).as_object();
}

inline boost::json::value fake_post(const std::string& base_url, const std::string& path,
                                    const std::string& body) {
  static connectors::http::Client client{connectors::http::ClientOptions{}};
  connectors::http::Request r;
  r.method = "POST";
  r.url = base_url + path;
  r.body = body;
  auto answer = client.send(r);
  REQUIRE(answer.ok());
  boost::system::error_code ec;
  auto value = boost::json::parse(answer->body, ec);
  return ec ? boost::json::value() : value;
}

}  // namespace relais::test
