// An OAuth 2.0 access token renewed from a refresh token kept in a file (RFC 6749 6): the X
// channel's user-context token, and XOAUTH2 for IMAP and SMTP (Microsoft 365, Google). The
// access token is kept in memory and renewed with the refresh token of refresh_token_file (POST
// token_url, grant_type=refresh_token; HTTP Basic client_id:client_secret for a confidential
// client, client_id in the body for a public one). Providers may rotate refresh tokens (X does
// at each renewal, Microsoft often): a new one is written back to the file (temporary file in
// the same directory, fsync, rename, mode 0600, fsync of the directory) as soon as it arrives.
// Renewals are serialised by a mutex: two threads never spend the same refresh token.
//
// Fails with: permanent when the provider refuses the refresh token (revoked, or spent: relais
// must be authorised again) or the app's credentials, or when the file cannot be read or
// written; transient when the token endpoint is busy or out of reach. A renewal whose answer
// was lost may have spent the refresh token on the provider's side: the next renewal then fails
// permanent.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "connectors/http/http_client.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::http {

struct TokenOptions {
  std::string token_url;
  std::string client_id;
  std::string client_secret;                       // empty: a public client; never logged
  std::filesystem::path refresh_token_file;        // read at each renewal, rewritten after it
  std::string scope;                               // asked with each renewal; empty: none asked
  std::string provider = "The identity provider";  // who answers, in messages: "X", "Microsoft"
};

class TokenStore {
 public:
  TokenStore(TokenOptions options, std::shared_ptr<Client> client);

  // An access token good for at least another minute, renewed first when none is held yet or
  // the one held expires sooner.
  Result<std::string> access_token();
  // A token other than `refused`, which the server has just refused: renewed, unless another
  // thread renewed it meanwhile.
  Result<std::string> renewed_after(const std::string& refused);
  // The scopes granted with the token held (space-separated; empty before the first renewal).
  std::string scopes() const;

 private:
  Result<void> renew();         // the mutex held
  Result<void> save_pending();  // the mutex held
  bool fresh() const;           // the mutex held

  TokenOptions options_;
  std::shared_ptr<Client> client_;
  mutable std::mutex mutex_;
  std::string access_token_;
  std::chrono::steady_clock::time_point expires_at_;
  std::string scopes_;
  // The provider's newest refresh token while it could not be written to the file: the file's one
  // is spent, so this one is used for the next renewal and written again before each call.
  std::string unsaved_refresh_token_;
};

}  // namespace relais::connectors::http
