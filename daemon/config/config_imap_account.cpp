// The keys of an IMAP account ([mail.imap], or [mail.imap.NAME] for several): the mailbox
// relais takes mail from when the organisation's mail lives on a hosted server.
#include "daemon/config/config_keys.hpp"

namespace relais::daemon::config_keys {

const ChannelType& imap_account_type() {
  using T = KeyType;
  static const ChannelType type{
      "imap",
      "A mailbox relais reads (Microsoft 365, Exchange, BlueMind, Zimbra, Dovecot...).",
      {
          {.path = "host",
           .type = T::host,
           .default_value = "",
           .help = "IMAP server, e.g. outlook.office365.com.",
           .required = true},
          {.path = "port",
           .type = T::integer,
           .default_value = std::int64_t{993},
           .help = "IMAP port: 993 for implicit TLS, 143 for STARTTLS.",
           .min = 1,
           .max = 65535},
          {.path = "tls",
           .type = T::enumeration,
           .default_value = "implicit",
           .help = "implicit (TLS from the first byte), starttls, or none (a server on this "
                   "machine only).",
           .allowed = {"implicit", "starttls", "none"}},
          {.path = "ca_file",
           .type = T::path,
           .default_value = "",
           .help = "PEM file of CAs trusted besides the system's (an internal CA); empty = "
                   "the system's only.",
           .allow_empty = true},
          {.path = "username",
           .type = T::string,
           .default_value = "",
           .help = "Account to log in as, e.g. publications@example.org.",
           .required = true},
          {.path = "password_file",
           .type = T::secret_file,
           .default_value = "",
           .help = "File holding the password; or use the oauth2_* keys instead.",
           .allow_empty = true},
          {.path = "oauth2_token_url",
           .type = T::url,
           .default_value = "",
           .help = "OAuth 2.0 token endpoint, for XOAUTH2 (Microsoft 365: "
                   "https://login.microsoftonline.com/TENANT/oauth2/v2.0/token).",
           .allow_empty = true,
           .https_unless_loopback = true},
          {.path = "oauth2_client_id",
           .type = T::string,
           .default_value = "",
           .help = "OAuth 2.0 client (application) id, for XOAUTH2.",
           .allow_empty = true},
          {.path = "oauth2_client_secret_file",
           .type = T::secret_file,
           .default_value = "",
           .help = "File holding the client secret, for a confidential client; empty for a "
                   "public one.",
           .allow_empty = true},
          {.path = "oauth2_refresh_token_file",
           .type = T::secret_file,
           .default_value = "",
           .help = "File holding the refresh token, for XOAUTH2; relais rewrites it when the "
                   "server rotates it, so its directory must be writable by relais.",
           .allow_empty = true},
          {.path = "oauth2_scope",
           .type = T::string,
           .default_value = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
           .help = "Scope asked with each token (Google: https://mail.google.com/)."},
          {.path = "mailbox",
           .type = T::string,
           .default_value = "INBOX",
           .help = "Folder the messages are read from."},
          {.path = "done_mailbox",
           .type = T::string,
           .default_value = "relais/traités",
           .help = "Folder each message is moved to once its request is stored (created if "
                   "missing); where the server cannot move, the message is flagged instead."},
          {.path = "idle_minutes",
           .type = T::integer,
           .default_value = std::int64_t{25},
           .help = "IDLE is renewed after this many minutes (servers end it after 30).",
           .min = 1,
           .max = 29},
          {.path = "poll_seconds",
           .type = T::integer,
           .default_value = std::int64_t{60},
           .help = "How often a server without IDLE is asked for new mail.",
           .min = 5,
           .max = 3600},
      }};
  return type;
}

}  // namespace relais::daemon::config_keys
