// The key table of relais.toml (see config_keys.hpp). Adding a key = adding one row here,
// its line in etc/relais.toml (and the embedded copy), and regenerating the JSON Schema; the
// tests fail until all three agree.
#include "daemon/config/config_keys.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace relais::daemon::config_keys {
namespace {

using Strings = std::vector<std::string>;

std::vector<KeySpec> make_keys() {
  using T = KeyType;
  return {
      // [general]
      {.path = "general.state_dir",
       .type = T::path,
       .default_value = "var",
       .help = "Directory of all state (database, outbox, site, secrets), relative to the "
               "working directory unless absolute.",
       .field = [](Config& c) -> std::string& { return c.general.state_dir; }},
      {.path = "general.timezone",
       .type = T::time_zone,
       .default_value = "Europe/Paris",
       .help = "Time zone in which times are shown and scheduled (a tz database name).",
       .field = [](Config& c) -> std::string& { return c.general.timezone; }},
      {.path = "general.language",
       .type = T::enumeration,
       .default_value = "fr",
       .help = "Language of the messages sent to people.",
       .allowed = {"fr", "en"},
       .field = [](Config& c) -> std::string& { return c.general.language; }},
      {.path = "general.templates_dir",
       .type = T::path,
       .default_value = "etc/templates",
       .help = "Directory of the message templates (one subdirectory per language).",
       .field = [](Config& c) -> std::string& { return c.general.templates_dir; }},
      {.path = "general.lexicons_dir",
       .type = T::path,
       .default_value = "etc/lexicons",
       .help = "Directory of the word lists used by the discretion checks.",
       .field = [](Config& c) -> std::string& { return c.general.lexicons_dir; }},
      {.path = "general.log_level",
       .type = T::enumeration,
       .default_value = "info",
       .help = "Least severe log level written.",
       .allowed = {"trace", "debug", "info", "warn", "error"},
       .field = [](Config& c) -> std::string& { return c.general.log_level; }},
      // [http]
      {.path = "http.listen",
       .type = T::address,
       .default_value = "127.0.0.1:8080",
       .help = "Address of the HTTP server (approval pages, takedown form, API, metrics).",
       .field = [](Config& c) -> std::string& { return c.http.listen; }},
      {.path = "http.public_url",
       .type = T::url,
       .default_value = "http://127.0.0.1:8080",
       .help = "Public base URL of the HTTP server, used for links in mails.",
       .field = [](Config& c) -> std::string& { return c.http.public_url; }},
      // [mail]
      {.path = "mail.submission_address",
       .type = T::email,
       .default_value = "publications@example.org",
       .help = "Address to which staff send material to publish.",
       .field = [](Config& c) -> std::string& { return c.mail.submission_address; }},
      {.path = "mail.takedown_address",
       .type = T::email,
       .default_value = "droit-image@example.org",
       .help = "Address to which anyone sends a takedown (right to one's image) request; may "
               "equal the submission address.",
       .field = [](Config& c) -> std::string& { return c.mail.takedown_address; }},
      {.path = "mail.from_address",
       .type = T::email,
       .default_value = "publications@example.org",
       .help = "Sender address of the mails relais sends.",
       .field = [](Config& c) -> std::string& { return c.mail.from_address; }},
      {.path = "mail.from_name",
       .type = T::string,
       .default_value = "relais — publications",
       .help = "Sender display name of the mails relais sends.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.mail.from_name; }},
      {.path = "mail.allowed_senders",
       .type = T::sender_list,
       .default_value = Strings{"example.org"},
       .help = "Domains (any address of the domain) or full addresses allowed to submit.",
       .field = [](Config& c) -> std::vector<std::string>& { return c.mail.allowed_senders; }},
      {.path = "mail.max_message_bytes",
       .type = T::integer,
       .default_value = std::int64_t{26214400},
       .help = "Largest message accepted, in bytes.",
       .min = 1024,
       .max = 1073741824,
       .field = [](Config& c) -> std::int64_t& { return c.mail.max_message_bytes; }},
      {.path = "mail.max_recipients",
       .type = T::integer,
       .default_value = std::int64_t{10},
       .help = "Most recipients accepted in one SMTP/LMTP transaction.",
       .min = 1,
       .max = 1000,
       .field = [](Config& c) -> int& { return c.mail.max_recipients; }},
      {.path = "mail.smtp_listen",
       .type = T::address,
       .default_value = "127.0.0.1:2525",
       .help = "Address of the SMTP listener; empty = off.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.mail.smtp_listen; }},
      {.path = "mail.lmtp_listen",
       .type = T::address,
       .default_value = "",
       .help = "Address of the LMTP listener (host:port or unix:/path); empty = off.",
       .allow_empty = true,
       .allow_unix = true,
       .field = [](Config& c) -> std::string& { return c.mail.lmtp_listen; }},
      {.path = "mail.trusted_authserv_id",
       .type = T::host,
       .default_value = "",
       .help = "Name your receiving mail server writes at the start of its "
               "Authentication-Results headers (e.g. \"mx.example.org\"); only its verdicts are "
               "believed. Empty: none is.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.mail.trusted_authserv_id; }},
      {.path = "mail.require_dmarc",
       .type = T::boolean,
       .default_value = false,
       .help = "Act on a referent's answer by mail only when the trusted server reports DMARC "
               "(or aligned DKIM) passing for it. A reported failure is refused either way.",
       .field = [](Config& c) -> bool& { return c.mail.require_dmarc; }},
      // [mail.relay]
      {.path = "mail.relay.host",
       .type = T::host,
       .default_value = "",
       .help = "SMTP relay for outgoing mail; empty = write mails to the Maildir "
               "<state_dir>/outbox instead.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.relay.host; }},
      {.path = "mail.relay.port",
       .type = T::integer,
       .default_value = std::int64_t{587},
       .help = "Port of the SMTP relay.",
       .min = 1,
       .max = 65535,
       .field = [](Config& c) -> int& { return c.relay.port; }},
      {.path = "mail.relay.tls",
       .type = T::enumeration,
       .default_value = "starttls",
       .help = "TLS with the relay: STARTTLS, implicit TLS, or none (only for a loopback host).",
       .allowed = {"starttls", "implicit", "none"},
       .field = [](Config& c) -> std::string& { return c.relay.tls; }},
      {.path = "mail.relay.username",
       .type = T::string,
       .default_value = "",
       .help = "User name for SMTP authentication; empty = no authentication.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.relay.username; }},
      {.path = "mail.relay.password_file",
       .type = T::secret_file,
       .default_value = "",
       .help = "File holding the SMTP password (e.g. a systemd credential).",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.relay.password_file; }},
      {.path = "mail.relay.timeout_seconds",
       .type = T::duration_seconds,
       .default_value = std::int64_t{30},
       .help = "Time-out of each exchange with the relay.",
       .min = 1,
       .max = 3600,
       .field = [](Config& c) -> int& { return c.relay.timeout_seconds; }},
      {.path = "mail.relay.oauth2_token_url",
       .type = T::url,
       .default_value = "",
       .help = "OAuth 2.0 token endpoint, for XOAUTH2 instead of a password (Microsoft 365: "
               "https://login.microsoftonline.com/TENANT/oauth2/v2.0/token).",
       .allow_empty = true,
       .https_unless_loopback = true,
       .field = [](Config& c) -> std::string& { return c.relay.oauth2_token_url; }},
      {.path = "mail.relay.oauth2_client_id",
       .type = T::string,
       .default_value = "",
       .help = "OAuth 2.0 client (application) id, for XOAUTH2.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.relay.oauth2_client_id; }},
      {.path = "mail.relay.oauth2_client_secret_file",
       .type = T::secret_file,
       .default_value = "",
       .help = "File holding the client secret, for a confidential client; empty for a public "
               "one.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.relay.oauth2_client_secret_file; }},
      {.path = "mail.relay.oauth2_refresh_token_file",
       .type = T::secret_file,
       .default_value = "",
       .help = "File holding the refresh token, for XOAUTH2; relais rewrites it when the server "
               "rotates it, so its directory must be writable by relais.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.relay.oauth2_refresh_token_file; }},
      {.path = "mail.relay.oauth2_scope",
       .type = T::string,
       .default_value = "https://outlook.office.com/SMTP.Send offline_access",
       .help = "Scope asked with each token (Google: https://mail.google.com/).",
       .field = [](Config& c) -> std::string& { return c.relay.oauth2_scope; }},
      // [referent]
      {.path = "referent.address",
       .type = T::email,
       .default_value = "referent@example.org",
       .help = "Address of the referent who approves publications.",
       .field = [](Config& c) -> std::string& { return c.referent.address; }},
      {.path = "referent.name",
       .type = T::string,
       .default_value = "Référent réseaux sociaux",
       .help = "Display name of the referent.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.referent.name; }},
      {.path = "referent.backup_address",
       .type = T::email,
       .default_value = "suppleant@example.org",
       .help = "Address of the backup referent (absences, escalation).",
       .field = [](Config& c) -> std::string& { return c.referent.backup_address; }},
      {.path = "referent.admin_address",
       .type = T::email,
       .default_value = "",
       .help = "Administrator told, with the referent, when a network refuses a publication or "
               "relais's credentials are about to expire; empty: the referent alone.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.referent.admin_address; }},
      {.path = "referent.absence_default_days",
       .type = T::integer,
       .default_value = std::int64_t{1},
       .help = "How long a referent is taken to be away after an out-of-office reply that gives "
               "no date of return, in days.",
       .min = 1,
       .max = 60,
       .field = [](Config& c) -> int& { return c.referent.absence_default_days; }},
      {.path = "referent.remind_after_working_hours",
       .type = T::integer,
       .default_value = std::int64_t{4},
       .help = "A request still awaiting a decision after this many working hours of the "
               "referent is sent again as a reminder; 0: never.",
       .min = 0,
       .max = 200,
       .field = [](Config& c) -> int& { return c.referent.remind_after_working_hours; }},
      {.path = "referent.escalate_after_working_hours",
       .type = T::integer,
       .default_value = std::int64_t{8},
       .help = "After this many working hours without a decision, the request goes to the "
               "backup as well (once); 0: never.",
       .min = 0,
       .max = 400,
       .field = [](Config& c) -> int& { return c.referent.escalate_after_working_hours; }},
      // [working_hours]
      {.path = "working_hours.default",
       .type = T::string,
       .default_value = "mon-fri 08:30-18:00",
       .help = "When mail and chat messages may reach people, in general.time_zone: days and "
               "spans, several clauses separated by ';' (\"mon-thu 08:30-12:00 13:30-17:30; fri "
               "08:30-12:00\"). Outside them, notifications wait and go as one digest at the "
               "next start; takedowns and publishing failures go at once. [people.NAME] tables "
               "set a person's own.",
       .field = [](Config& c) -> std::string& { return c.working_hours.default_week; }},
      {.path = "working_hours.public_holidays",
       .type = T::enumeration,
       .default_value = "france",
       .help = "Days off besides the week's: france (the eleven public holidays, Easter "
               "Monday, Ascension and Whit Monday included), alsace-moselle (and Good Friday, "
               "26 December), none.",
       .allowed = {"france", "alsace-moselle", "none"},
       .field = [](Config& c) -> std::string& { return c.working_hours.public_holidays; }},
      // [workflow]
      {.path = "workflow.default_channels",
       .type = T::channel_list,
       .default_value = Strings{"site"},
       .help = "Channels proposed for a new request; each names a [channels.NAME] table.",
       .field = [](Config& c) -> std::vector<std::string>& { return c.workflow.default_channels; }},
      {.path = "workflow.publish_delay_minutes",
       .type = T::integer,
       .default_value = std::int64_t{0},
       .help = "Approved posts go out this many minutes after approval unless the referent "
               "picks a time.",
       .min = 0,
       .max = 43200,
       .field = [](Config& c) -> int& { return c.workflow.publish_delay_minutes; }},
      {.path = "workflow.needs_changes_expiry_days",
       .type = T::integer,
       .default_value = std::int64_t{14},
       .help = "Days after which a request waiting for the agent's changes expires.",
       .min = 1,
       .max = 365,
       .field = [](Config& c) -> int& { return c.workflow.needs_changes_expiry_days; }},
      {.path = "workflow.approval_expiry_days",
       .type = T::integer,
       .default_value = std::int64_t{14},
       .help = "Days after which a request waiting for the referent's decision expires.",
       .min = 1,
       .max = 365,
       .field = [](Config& c) -> int& { return c.workflow.approval_expiry_days; }},
      {.path = "workflow.link_ttl_hours",
       .type = T::integer,
       .default_value = std::int64_t{168},
       .help = "Hours during which a link in a mail (approval, completion form) stays valid.",
       .min = 1,
       .max = 8760,
       .field = [](Config& c) -> int& { return c.workflow.link_ttl_hours; }},
      // [security]
      {.path = "security.token_key_file",
       .type = T::secret_file,
       .default_value = "",
       .help = "File holding the key that signs link tokens; empty = generate and keep "
               "<state_dir>/secrets/token.key (mode 0600).",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.security.token_key_file; }},
      {.path = "security.api_tokens_file",
       .type = T::secret_file,
       .default_value = "",
       .help = "File of API bearer tokens, one per line: NAME SCOPE TOKEN (scope read or write; "
               "a token of 32 or more letters, digits, - _ . or ~); empty = the API under "
               "/api/v1/ is off.",
       .allow_empty = true,
       .field = [](Config& c) -> std::string& { return c.security.api_tokens_file; }},
      // [outbox]
      {.path = "outbox.max_attempts",
       .type = T::integer,
       .default_value = std::int64_t{12},
       .help = "Attempts to deliver an outgoing mail or post before it fails for good.",
       .min = 1,
       .max = 1000,
       .field = [](Config& c) -> int& { return c.outbox.max_attempts; }},
      {.path = "outbox.backoff_initial_seconds",
       .type = T::duration_seconds,
       .default_value = std::int64_t{5},
       .help = "Delay before the first retry; doubles each time.",
       .min = 1,
       .max = 86400,
       .field = [](Config& c) -> int& { return c.outbox.backoff_initial_seconds; }},
      {.path = "outbox.backoff_max_seconds",
       .type = T::duration_seconds,
       .default_value = std::int64_t{3600},
       .help = "Longest delay between two retries.",
       .min = 1,
       .max = 604800,
       .field = [](Config& c) -> int& { return c.outbox.backoff_max_seconds; }},
      // [takedown]
      {.path = "takedown.automatic",
       .type = T::boolean,
       .default_value = true,
       .help = "Remove a publication at once when a takedown request matches it with "
               "certainty (its URL, its reference, the same or a near-identical photo).",
       .field = [](Config& c) -> bool& { return c.takedown.automatic; }},
      {.path = "takedown.deadline_days",
       .type = T::integer,
       .default_value = std::int64_t{30},
       .help = "Days within which a takedown request must be answered (the legal month).",
       .min = 1,
       .max = 365,
       .field = [](Config& c) -> int& { return c.takedown.deadline_days; }},
      {.path = "takedown.reminder_days",
       .type = T::integer,
       .default_value = std::int64_t{7},
       .help = "The referent is reminded of an open case this many days before its deadline "
               "(and again the day before).",
       .min = 1,
       .max = 365,
       .field = [](Config& c) -> int& { return c.takedown.reminder_days; }},
      {.path = "takedown.match_distance",
       .type = T::integer,
       .default_value = std::int64_t{10},
       .help = "Largest Hamming distance between two 64-bit perceptual hashes for a photo to "
               "count as the same picture (resized, recompressed or slightly cropped).",
       .min = 0,
       .max = 20,
       .field = [](Config& c) -> int& { return c.takedown.match_distance; }},
      {.path = "takedown.max_attachments",
       .type = T::integer,
       .default_value = std::int64_t{20},
       .help = "Attachments of one takedown request that are compared with the publications; "
               "the others are kept but not compared, and the requester is told.",
       .min = 1,
       .max = 200,
       .field = [](Config& c) -> int& { return c.takedown.max_attachments; }},
      {.path = "takedown.form_requests_per_day",
       .type = T::integer,
       .default_value = std::int64_t{5},
       .help = "Takedown forms accepted per day from one e-mail address and from one network "
               "address; more are refused with a clear page.",
       .min = 1,
       .max = 10000,
       .field = [](Config& c) -> int& { return c.takedown.form_requests_per_day; }},
      // [images]
      {.path = "images.max_pixels",
       .type = T::integer,
       .default_value = std::int64_t{100000000},
       .help = "Largest image (width x height, read from its header before decoding) that is "
               "decoded; larger ones are refused as possible decompression bombs.",
       .min = 1000000,
       .max = 1000000000,
       .field = [](Config& c) -> std::int64_t& { return c.images.max_pixels; }},
      // [checks]
      {.path = "checks.min_short_side",
       .type = T::integer,
       .default_value = std::int64_t{1080},
       .help = "Smallest short side, in pixels, of a photo to publish; smaller ones are sent "
               "back to the agent.",
       .min = 200,
       .max = 10000,
       .field = [](Config& c) -> int& { return c.checks.min_short_side; }},
      {.path = "checks.blur_threshold",
       .type = T::integer,
       .default_value = std::int64_t{30},
       .help = "Sharpness (variance of the Laplacian of the photo fitted in 1000 pixels) below "
               "which a photo is blurred; calibrated on sharp and blurred copies of real photos.",
       .min = 0,
       .max = 10000,
       .field = [](Config& c) -> int& { return c.checks.blur_threshold; }},
      {.path = "checks.late_days",
       .type = T::integer,
       .default_value = std::int64_t{30},
       .help = "Material sent more than this many days after its event (\"Date :\") is flagged "
               "to the referent as late.",
       .min = 1,
       .max = 3650,
       .field = [](Config& c) -> int& { return c.checks.late_days; }},
      {.path = "checks.election_periods",
       .type = T::period_list,
       .default_value = Strings{},
       .help = "Pre-election periods, first and last day included: political terms are blocking "
               "and every approval needs an extra confirmation.",
       .field = [](Config& c) -> std::vector<std::string>& { return c.checks.election_periods; }},
      {.path = "checks.face_cascade",
       .type = T::path,
       .default_value = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml",
       .help = "OpenCV face cascade used to count faces (Debian's opencv-data installs it).",
       .field = [](Config& c) -> std::string& { return c.checks.face_cascade; }},
      // [retention]
      {.path = "retention.media_days",
       .type = T::integer,
       .default_value = std::int64_t{90},
       .help = "Days after which the media of rejected, withdrawn and expired requests are "
               "deleted (the record keeps their hashes and metadata).",
       .min = 1,
       .max = 36500,
       .field = [](Config& c) -> int& { return c.retention.media_days; }},
      {.path = "retention.case_years",
       .type = T::integer,
       .default_value = std::int64_t{5},
       .help = "Years a closed takedown case is kept with the requester's details; after that "
               "they are erased and only the record's hashes remain.",
       .min = 1,
       .max = 100,
       .field = [](Config& c) -> int& { return c.retention.case_years; }},
  };
}

}  // namespace

const std::vector<KeySpec>& keys() {
  static const std::vector<KeySpec> table = make_keys();
  return table;
}

const KeySpec* find_key(std::string_view path) {
  for (const auto& k : keys()) {
    if (k.path == path) {
      return &k;
    }
  }
  return nullptr;
}

const ChannelType* find_channel_type(std::string_view name) {
  for (const auto& t : channel_types()) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

std::vector<std::string> sections() {
  std::vector<std::string> out;
  for (const auto& k : keys()) {
    std::string_view p = k.path;
    for (auto dot = p.find('.'); dot != std::string_view::npos; dot = p.find('.', dot + 1)) {
      std::string s(p.substr(0, dot));
      if (std::find(out.begin(), out.end(), s) == out.end()) {
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

bool is_inline_secret_name(std::string_view name) {
  if (name.ends_with("_file")) {
    return false;
  }
  for (std::string_view word : {"password", "passwd", "token", "secret", "api_key", "apikey"}) {
    if (name.find(word) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

std::string type_name(const KeySpec& spec) {
  switch (spec.type) {
    case KeyType::string:
      return "string";
    case KeyType::integer:
      return "integer";
    case KeyType::boolean:
      return "boolean";
    case KeyType::duration_seconds:
      return "seconds";
    case KeyType::address:
      return spec.allow_unix ? "address (host:port or unix:/path)" : "address (host:port)";
    case KeyType::email:
      return "email address";
    case KeyType::sender_list:
      return "list of domains or addresses";
    case KeyType::channel_list:
      return "list of channel names";
    case KeyType::period_list:
      return "list of periods (YYYY-MM-DD/YYYY-MM-DD)";
    case KeyType::host_list:
      return "list of host names or IP addresses";
    case KeyType::path:
      return "path";
    case KeyType::enumeration:
      return "one of";
    case KeyType::time_zone:
      return "time zone";
    case KeyType::url:
      return spec.https_unless_loopback ? "URL (https)" : "URL";
    case KeyType::host:
      return "host name or IP address";
    case KeyType::secret_file:
      return "secret file";
  }
  return "string";
}

std::string value_to_toml(const Value& value) {
  struct Visitor {
    std::string operator()(const std::string& s) const { return fmt::format("\"{}\"", s); }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<std::string>& v) const {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        out += (i ? ", \"" : "\"") + v[i] + "\"";
      }
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace relais::daemon::config_keys
