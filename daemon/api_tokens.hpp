// Bearer tokens of the JSON API, read from security.api_tokens_file (a systemd credential):
// one token per line, "NAME SCOPE TOKEN", '#' comments and blank lines ignored. SCOPE is read
// (GET) or write (everything). Only the tokens' SHA-256 stay in memory; a presented token is
// compared in constant time against each; the name is what the audit record and logs show.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::daemon {

enum class ApiScope { read, write };

struct ApiToken {
  std::string name;
  ApiScope scope = ApiScope::read;
  std::string sha256;  // hex of the token
};

class ApiTokens {
 public:
  ApiTokens() = default;
  // The file's text; an error names the line and what is wrong with it (never the token).
  static Result<ApiTokens> parse(std::string_view text, std::string_view file_name);
  static Result<ApiTokens> load(const std::string& path);

  bool enabled() const { return !tokens_.empty(); }
  std::size_t size() const { return tokens_.size(); }
  // The token an Authorization header value ("Bearer X") names, if any.
  std::optional<ApiToken> find(std::string_view authorization) const;

 private:
  std::vector<ApiToken> tokens_;
};

}  // namespace relais::daemon
