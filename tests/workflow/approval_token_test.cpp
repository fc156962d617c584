// The token module: valid, expired, unknown, used twice, for another request, after the
// request changed state, for an action it does not allow; and the CSRF field.
#include <doctest/doctest.h>

#include "workflow/approval_token.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;

namespace {
const TimePoint kNow = TimePoint(1'790'000'000'000ms);

Request request(std::int64_t id, std::int64_t version) {
  Request r;
  r.id = id;
  r.version = version;
  return r;
}
}  // namespace

TEST_CASE("tokens") {
  const auto t = issue_token(std::string(32, '\x42'), 5, "referent@example.org",
                             "approve,request_changes,reject", 4, kNow + 1h);
  CHECK(t.raw.size() == 43);
  CHECK(t.raw.find_first_of("+/=") == std::string::npos);
  CHECK(t.row.hash == token_hash(t.raw));
  CHECK(t.row.hash.find(t.raw) == std::string::npos);
  const Request current = request(5, 4);
  std::optional<TokenRow> row = t.row;

  CHECK_FALSE(check_token(row, &current, "approve", kNow));
  CHECK_FALSE(check_token(row, &current, "", kNow));
  CHECK(check_token(std::nullopt, &current, "approve", kNow) == TokenProblem::unknown);
  CHECK(check_token(row, &current, "approve", kNow + 1h) == TokenProblem::expired);
  const Request other = request(6, 4);
  CHECK(check_token(row, &other, "approve", kNow) == TokenProblem::other_request);
  const Request moved = request(5, 5);
  CHECK(check_token(row, &moved, "approve", kNow) == TokenProblem::stale);
  CHECK(check_token(row, &current, "takedown", kNow) == TokenProblem::action_not_allowed);
  CHECK(check_token(row, &current, "approv", kNow) == TokenProblem::action_not_allowed);
  row->used_at = kNow;
  CHECK(check_token(row, &current, "approve", kNow) == TokenProblem::used);
}

TEST_CASE("random tokens differ and CSRF fields bind to the token") {
  CHECK(random_token_bytes() != random_token_bytes());
  const std::string key = "0123456789abcdef0123456789abcdef";
  const auto csrf = csrf_for(key, "tokenA");
  CHECK(csrf.size() == 64);
  CHECK(csrf_matches(key, "tokenA", csrf));
  CHECK_FALSE(csrf_matches(key, "tokenB", csrf));
  CHECK_FALSE(csrf_matches("other key", "tokenA", csrf));
  CHECK_FALSE(csrf_matches(key, "tokenA", ""));
  CHECK_FALSE(csrf_matches(key, "tokenA", csrf.substr(1)));
}

TEST_CASE("base64url") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("foobar") == "Zm9vYmFy");
  CHECK(base64url("\xfb\xff") == "-_8");
}
