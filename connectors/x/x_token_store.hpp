// The X channel's OAuth 2.0 user-context token (Authorization Code with PKCE, confidential
// client): the access token (two hours) is kept in memory and renewed with the refresh token
// of refresh_token_file (POST token_url, grant_type=refresh_token, HTTP Basic client_id:
// client_secret). X rotates refresh tokens: each renewal answers a new one and the old one
// stops working, so the new one is written back to the file (temporary file in the same
// directory, fsync, rename, mode 0600, fsync of the directory) as soon as it arrives. Renewals
// are serialised by a mutex: two threads never spend the same refresh token.
//
// Fails with: permanent when X refuses the refresh token (revoked, or spent: relais must be
// authorised again) or the app's credentials, or when the file cannot be read or written;
// transient when the token endpoint is busy or out of reach. A renewal whose answer was lost
// may have spent the refresh token on X's side: the next renewal then fails permanent.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "connectors/http/http_client.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::x {

// The scopes relais asks for when it is authorised, and needs.
inline constexpr std::string_view kScopes =
    "tweet.read tweet.write users.read offline.access media.write";

struct TokenOptions {
  std::string token_url;
  std::string client_id;
  std::string client_secret;                 // never logged, never in a message
  std::filesystem::path refresh_token_file;  // read at each renewal, rewritten after it
};

class TokenStore {
 public:
  TokenStore(TokenOptions options, std::shared_ptr<http::Client> client);

  // An access token good for at least another minute, renewed first when none is held yet or
  // the one held expires sooner.
  Result<std::string> access_token();
  // A token other than `refused`, which X has just answered 401 to: renewed, unless another
  // thread renewed it meanwhile.
  Result<std::string> renewed_after(const std::string& refused);
  // The scopes X granted with the token held (space-separated; empty before the first renewal).
  std::string scopes() const;

 private:
  Result<void> renew();         // the mutex held
  Result<void> save_pending();  // the mutex held
  bool fresh() const;           // the mutex held

  TokenOptions options_;
  std::shared_ptr<http::Client> client_;
  mutable std::mutex mutex_;
  std::string access_token_;
  std::chrono::steady_clock::time_point expires_at_;
  std::string scopes_;
  // X's newest refresh token while it could not be written to the file: the file's one is
  // spent, so this one is used for the next renewal and written again before each call.
  std::string unsaved_refresh_token_;
};

// Replaces `path` with `content` atomically and durably, readable by its owner only (0600):
// a temporary file in the same directory, fsynced, renamed over it, the directory fsynced.
Result<void> write_secret_file(const std::filesystem::path& path, std::string_view content);

}  // namespace relais::connectors::x
