// Certificates made by `openssl req` for the TLS tests, once per test run: a CA, a server
// certificate it signed for "localhost", and a self-signed one for "localhost".
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace relais::test {

inline void sh(const std::string& command) {
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

struct Certificates {
  std::filesystem::path dir;
  Certificates() {
    char name[] = "/tmp/relais-certs-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    const std::string d = dir.string();
    const std::string quiet = " >/dev/null 2>&1";
    sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=relais-test-ca -keyout " + d +
       "/ca.key -out " + d + "/ca.pem" + quiet);
    sh("openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + d +
       "/server.key -out " + d + "/server.csr" + quiet);
    std::ofstream(dir / "san.ext") << "subjectAltName=DNS:localhost\n";
    sh("openssl x509 -req -days 2 -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
       "/ca.key -CAcreateserial -extfile " + d + "/san.ext -out " + d + "/server.pem" + quiet);
    sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "
       "subjectAltName=DNS:localhost -keyout " +
       d + "/self.key -out " + d + "/self.pem" + quiet);
    // Dovecot's processes run as a throw-away user: they must read the key.
    sh("chmod 755 " + d + " && chmod 644 " + d + "/*");
  }
  ~Certificates() { std::filesystem::remove_all(dir); }
  std::string path(const char* name) const { return (dir / name).string(); }
};

inline const Certificates& certificates() {
  static Certificates c;
  return c;
}

}  // namespace relais::test
