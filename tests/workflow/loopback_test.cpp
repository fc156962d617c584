#include <doctest/doctest.h>

#include "workflow/loopback.hpp"

TEST_CASE("loopback hosts, one rule for every connector and the configuration") {
  for (const char* h : {"localhost", "LocalHost", "relais.localhost", "127.0.0.1", "127.8.9.10",
                        "::1", "[::1]", "[::ffff:127.0.0.1]", "::ffff:127.1.2.3"})
    CHECK_MESSAGE(relais::is_loopback_host(h), h);
  for (const char* h : {"", "example.org", "localhost.example.org", "128.0.0.1", "10.0.0.1", "::2",
                        "[::ffff:10.0.0.1]", "1.127.0.0", "[127.0.0.1", "127.0.0.1.nip.io"})
    CHECK_FALSE_MESSAGE(relais::is_loopback_host(h), h);
}
