#include "daemon/api_tokens.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "workflow/ascii.hpp"
#include "workflow/sha256.hpp"

namespace relais::daemon {

namespace {

constexpr std::size_t kMinTokenChars = 32;

bool token_chars(std::string_view t) {
  return t.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") ==
         std::string_view::npos;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    i = line.find_first_not_of(" \t", i);
    if (i == std::string_view::npos)
      break;
    auto end = line.find_first_of(" \t", i);
    if (end == std::string_view::npos)
      end = line.size();
    out.push_back(line.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace

Result<ApiTokens> ApiTokens::parse(std::string_view text, std::string_view file_name) {
  ApiTokens out;
  int number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    const auto w = words(line);
    if (w.empty() || w[0].starts_with('#'))
      continue;
    auto problem = [&](std::string_view what) {
      return invalid_input(fmt::format("{} line {}: {}", file_name, number, what));
    };
    if (w.size() != 3)
      return problem("expected NAME SCOPE TOKEN");
    ApiToken t;
    t.name = std::string(w[0]);
    if (t.name.size() > 64 || !token_chars(t.name))
      return problem("NAME is letters, digits, '-', '_', '.' (at most 64)");
    if (w[1] == "read")
      t.scope = ApiScope::read;
    else if (w[1] == "write")
      t.scope = ApiScope::write;
    else
      return problem("SCOPE is read or write");
    if (w[2].size() < kMinTokenChars || !token_chars(w[2])) {
      return problem(fmt::format(
          "TOKEN must be at least {} characters of [A-Za-z0-9-_.~] (e.g. openssl rand -hex 32)",
          kMinTokenChars));
    }
    for (const auto& other : out.tokens_) {
      if (other.name == t.name)
        return problem("the name " + t.name + " is used twice");
    }
    t.sha256 = workflow::sha256_hex(w[2]);
    out.tokens_.push_back(std::move(t));
  }
  return out;
}

Result<ApiTokens> ApiTokens::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return permanent(fmt::format("security.api_tokens_file: cannot read {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), "security.api_tokens_file " + path);
}

std::optional<ApiToken> ApiTokens::find(std::string_view authorization) const {
  authorization = trim(authorization);
  if (authorization.size() < 7 || !iequals(authorization.substr(0, 7), "Bearer "))
    return std::nullopt;
  const auto presented = workflow::sha256_hex(trim(authorization.substr(7)));
  std::optional<ApiToken> found;
  for (const auto& t : tokens_) {  // every one compared: the time does not tell which matched
    if (t.sha256.size() == presented.size() &&
        CRYPTO_memcmp(t.sha256.data(), presented.data(), presented.size()) == 0)
      found = t;
  }
  return found;
}

}  // namespace relais::daemon
