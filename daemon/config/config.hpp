// The daemon's typed configuration: one TOML file, checked against the key table in
// config_keys.cpp. Loading never throws for bad input: it returns every problem found, each
// with file, key and line, in sentences a sysadmin understands. Secrets are never read here:
// the configuration only holds the paths of the files that contain them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace relais::daemon {

// One [channels.NAME] table. `settings` holds every key of the table (except `type`) as
// validated text, with the type's defaults filled in; for `site`, an empty `public_url` is
// resolved to <http.public_url>/site/.
struct ChannelConfig {
  std::string name;
  std::string type;  // site | facebook | linkedin | x | mastodon | webhook
  std::map<std::string, std::string> settings;
  // A list setting (kept as its TOML text, ["a", "b"]) as its items, lower case; empty when
  // absent.
  std::vector<std::string> list(std::string_view key) const;
};

struct GeneralConfig {
  std::string state_dir;
  std::string timezone;
  std::string language;  // fr | en
  std::string templates_dir;
  std::string lexicons_dir;
  std::string log_level;  // trace | debug | info | warn | error
};

struct HttpConfig {
  std::string listen;      // host:port
  std::string public_url;  // base of links in mails
};

struct MailConfig {
  std::string submission_address;
  std::string takedown_address;
  std::string from_address;
  std::string from_name;
  std::vector<std::string> allowed_senders;  // domains or full addresses
  std::int64_t max_message_bytes = 0;
  int max_recipients = 0;
  std::string smtp_listen;          // host:port, empty = off
  std::string lmtp_listen;          // host:port or unix:/path, empty = off
  std::string trusted_authserv_id;  // whose Authentication-Results count; empty: nobody's
  bool require_dmarc = false;       // referent answers by mail need a passing verdict
  // [mail.imap] (one account, named "imap") or [mail.imap.NAME]; type "imap", settings as
  // config_keys::imap_account_type() lists them.
  std::vector<ChannelConfig> imap_accounts;
};

// [mail.relay]: an empty host means mail goes to the Maildir <state_dir>/outbox.
struct RelayConfig {
  std::string host;
  int port = 0;
  std::string tls;  // starttls | implicit | none (none only for a loopback host)
  std::string username;
  std::string password_file;
  int timeout_seconds = 0;
  // XOAUTH2 instead of a password: all three set, or none.
  std::string oauth2_token_url;
  std::string oauth2_client_id;
  std::string oauth2_client_secret_file;
  std::string oauth2_refresh_token_file;
  std::string oauth2_scope;
};

struct ReferentConfig {
  std::string address;
  std::string name;
  std::string backup_address;
  std::string admin_address;             // may be empty
  int absence_default_days = 1;          // an out-of-office reply without a date of return
  int remind_after_working_hours = 0;    // 0: no reminder
  int escalate_after_working_hours = 0;  // 0: no escalation to the backup
};

// The right to disconnect: when mail may reach people (workflow/working_hours).
struct WorkingHoursConfig {
  std::string default_week;     // "mon-fri 08:30-18:00"
  std::string public_holidays;  // france | alsace-moselle | none
};

struct WorkflowConfig {
  std::vector<std::string> default_channels;  // each names a configured channel
  int publish_delay_minutes = 0;
  int needs_changes_expiry_days = 0;
  int approval_expiry_days = 0;
  int link_ttl_hours = 0;
};

// An empty token_key_file means: generate <state_dir>/secrets/token.key (mode 0600) and keep it.
// An empty api_tokens_file turns the JSON API off.
struct SecurityConfig {
  std::string token_key_file;
  std::string api_tokens_file;
};

struct OutboxConfig {
  int max_attempts = 0;
  int backoff_initial_seconds = 0;
  int backoff_max_seconds = 0;
};

struct TakedownConfig {
  bool automatic = true;
  int deadline_days = 0;
  int reminder_days = 0;
  int match_distance = 0;
  int max_attachments = 0;
  int form_requests_per_day = 0;
};

struct ImagesConfig {
  std::int64_t max_pixels = 0;
};

struct ChecksConfig {
  int min_short_side = 0;
  int blur_threshold = 0;
  int late_days = 0;
  std::vector<std::string> election_periods;  // "YYYY-MM-DD/YYYY-MM-DD"
  std::string face_cascade;
};

struct RetentionConfig {
  int media_days = 0;
  int case_years = 0;
};

struct Config {
  GeneralConfig general;
  HttpConfig http;
  MailConfig mail;
  RelayConfig relay;
  // [hooks.NAME]: signed inbound webhooks; type "hook", keys as config_keys::hook_type() lists.
  std::vector<ChannelConfig> hooks;
  // [people.NAME]: a person's own settings (address, working_hours), person_type()'s keys.
  std::vector<ChannelConfig> people;
  // [chat.NAME]: chat notification targets (Teams, Mattermost, Slack), chat_type()'s keys.
  std::vector<ChannelConfig> chats;
  WorkingHoursConfig working_hours;
  ReferentConfig referent;
  WorkflowConfig workflow;
  SecurityConfig security;
  OutboxConfig outbox;
  TakedownConfig takedown;
  ImagesConfig images;
  ChecksConfig checks;
  RetentionConfig retention;
  std::vector<ChannelConfig> channels;  // sorted by name
  std::string source;                   // file name, or "<embedded default>"
};

struct ConfigProblem {
  std::string file;
  std::string key;  // dotted path, e.g. "mail.max_message_bytes"; empty for whole-file problems
  int line = 0;     // 1-based; 0 when unknown
  std::string message;
};

using ConfigOrProblems = std::variant<Config, std::vector<ConfigProblem>>;

// Loads and validates; on failure returns EVERY problem found (never an empty vector).
// Paths stay as written (relative to the working directory). Secret files are checked to
// exist and be readable, never read.
ConfigOrProblems load_config_file(const std::filesystem::path& file);
ConfigOrProblems load_config_string(std::string_view toml, std::string_view source_name);

// The built-in configuration, byte for byte etc/relais.toml.
std::string_view embedded_default_config();
inline constexpr std::string_view embedded_default_name = "<embedded default>";

// "relais.toml:12: mail.max_message_bytes: must be between 1024 and 1073741824 (got 12)"
std::string format_problem(const ConfigProblem& p);

// The JSON Schema of the file (schemas/config.schema.json), generated from the key table.
std::string generate_config_schema();

// A Markdown reference of every key (for the README and `relaisd --print-config-reference`).
std::string config_reference_markdown();

// The channel called `name`, or nullptr.
const ChannelConfig* find_channel(const Config& config, std::string_view name);

}  // namespace relais::daemon
