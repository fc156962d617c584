// The API's tokens file: the lines it accepts, the sentence for each bad line (never the
// token), and the Authorization values that find a token.
#include <doctest/doctest.h>

#include "daemon/api_tokens.hpp"

using namespace relais::daemon;

namespace {
const std::string kWrite = "0123456789abcdef0123456789abcdefW";
const std::string kRead = "0123456789abcdef0123456789abcdefR";
}  // namespace

TEST_CASE("a tokens file with comments, blank lines and CRLF") {
  auto t = ApiTokens::parse(
      "# who scope token\r\n\r\nrh write " + kWrite + "\r\n  tableau\tread  " + kRead + "\n",
      "tokens");
  REQUIRE(t);
  CHECK(t->enabled());
  CHECK(t->size() == 2);
  auto w = t->find("Bearer " + kWrite);
  REQUIRE(w);
  CHECK(w->name == "rh");
  CHECK(w->scope == ApiScope::write);
  auto r = t->find("bearer   " + kRead + " ");
  REQUIRE(r);
  CHECK(r->name == "tableau");
  CHECK(r->scope == ApiScope::read);
  CHECK_FALSE(t->find(kWrite));
  CHECK_FALSE(t->find("Basic " + kWrite));
  CHECK_FALSE(t->find("Bearer " + kWrite.substr(1)));
  CHECK_FALSE(t->find("Bearer "));
  CHECK_FALSE(t->find(""));
}

TEST_CASE("an empty file turns the API off") {
  auto t = ApiTokens::parse("# nothing yet\n", "tokens");
  REQUIRE(t);
  CHECK_FALSE(t->enabled());
  CHECK_FALSE(t->find("Bearer " + kWrite));
}

TEST_CASE("each bad line is named, the token never") {
  const std::pair<std::string, std::string> bad[] = {
      {"rh write", "tokens line 1: expected NAME SCOPE TOKEN"},
      {"rh write " + kWrite + " extra", "tokens line 1: expected NAME SCOPE TOKEN"},
      {"\nrh admin " + kWrite, "tokens line 2: SCOPE is read or write"},
      {"rh write short-secret", "tokens line 1: TOKEN must be at least 32 characters"},
      {"rh write " + kWrite + "\"", "tokens line 1: TOKEN must be at least 32 characters"},
      {"r/h write " + kWrite, "tokens line 1: NAME is letters"},
      {"rh write " + kWrite + "\nrh read " + kRead, "tokens line 2: the name rh is used twice"},
  };
  for (const auto& [text, sentence] : bad) {
    CAPTURE(text);
    auto t = ApiTokens::parse(text, "tokens");
    REQUIRE_FALSE(t);
    CHECK(t.error().message.starts_with(sentence));
    CHECK(t.error().message.find("short-secret") == std::string::npos);
    CHECK(t.error().message.find(kWrite) == std::string::npos);
  }
}

TEST_CASE("a missing file is a clear error") {
  auto t = ApiTokens::load("/nonexistent/relais/tokens");
  REQUIRE_FALSE(t);
  CHECK(t.error().message == "security.api_tokens_file: cannot read /nonexistent/relais/tokens");
}
