// The embedded default configuration: byte for byte etc/relais.toml (a test compares them).
// Edit etc/relais.toml, then paste it between the delimiters below; nothing is generated at
// build time, so the binary runs with no file at all.
#include "daemon/config/config.hpp"

namespace relais::daemon {

std::string_view embedded_default_config() {
  static constexpr std::string_view text =
      R"relais_toml(# relais configuration: the documented example and the built-in default.
#
# With this file as it is, relais runs out of the box from any working directory:
# SQLite storage and all state under ./var/, mail accepted on SMTP 127.0.0.1:2525,
# the web pages on http://127.0.0.1:8080, outgoing mail written to the Maildir
# var/outbox/ and publications written to the `site` channel in var/site/.
#
# Relative paths are relative to the working directory. Secrets are never written here:
# keys ending in _file name a file that holds the secret (e.g. a systemd credential,
# LoadCredential=). Check a file with: relaisd --check-config --config FILE

[general]
state_dir = "var"                  # all state: database, outbox, site, secrets
timezone = "Europe/Paris"          # times are shown and scheduled in this zone
language = "fr"                    # language of the messages sent to people: fr | en
templates_dir = "etc/templates"    # message templates, one subdirectory per language
lexicons_dir = "etc/lexicons"      # word lists of the discretion checks
log_level = "info"                 # trace | debug | info | warn | error

[http]
listen = "127.0.0.1:8080"              # approval pages, takedown form, API, metrics
public_url = "http://127.0.0.1:8080"   # base of the links in mails, as people reach it

[mail]
submission_address = "publications@example.org"  # staff send material to publish here
takedown_address = "droit-image@example.org"     # right-to-image requests (may equal the above)
from_address = "publications@example.org"        # sender of the mails relais sends
from_name = "relais — publications"              # sender display name
allowed_senders = ["example.org"]                # domains or full addresses allowed to submit
max_message_bytes = 26214400                     # largest message accepted (1024 to 1073741824)
max_recipients = 10                              # recipients per SMTP/LMTP transaction (1 to 1000)
smtp_listen = "127.0.0.1:2525"                   # SMTP listener; empty = off
lmtp_listen = ""                                 # LMTP listener, host:port or unix:/path; empty = off
trusted_authserv_id = ""                         # your MX's name in Authentication-Results; empty = believe none
require_dmarc = false                            # answers by mail act only with DMARC/DKIM passing

[mail.relay]
host = ""                # SMTP relay; empty = write outgoing mail to the Maildir <state_dir>/outbox
port = 587               # relay port
tls = "starttls"         # starttls | implicit | none (none only for a loopback host)
username = ""            # SMTP user name; empty = no authentication
password_file = ""       # file holding the SMTP password
timeout_seconds = 30     # time-out of each exchange with the relay
oauth2_token_url = ""    # XOAUTH2 instead of a password: token endpoint (Microsoft 365, Google)
oauth2_client_id = ""    # XOAUTH2: the app's client id
oauth2_client_secret_file = ""  # XOAUTH2: client secret file; empty for a public client
oauth2_refresh_token_file = ""  # XOAUTH2: refresh token file, rewritten when rotated
oauth2_scope = "https://outlook.office.com/SMTP.Send offline_access"  # XOAUTH2: scope asked

# A real relay, for example:
# [mail.relay]
# host = "smtp.example.org"
# port = 465
# tls = "implicit"
# username = "relais@example.org"
# password_file = "/run/credentials/relais.service/smtp-password"
# timeout_seconds = 30

# Mail taken from a hosted mailbox (none by default). One account:
# [mail.imap]
# host = "imap.example.org"
# port = 993
# tls = "implicit"                 # implicit | starttls | none (none only for a loopback host)
# username = "publications@example.org"
# password_file = "/run/credentials/relais.service/imap"
# mailbox = "INBOX"
# done_mailbox = "relais/traités"  # where each message goes once its request is stored
# Microsoft 365 or Google (XOAUTH2) instead of password_file:
# oauth2_token_url = "https://login.microsoftonline.com/TENANT/oauth2/v2.0/token"
# oauth2_client_id = "00000000-0000-0000-0000-000000000000"
# oauth2_refresh_token_file = "/var/lib/relais/imap-refresh-token"
# Several accounts: [mail.imap.submissions], [mail.imap.takedowns]... with the same keys.

[referent]
address = "referent@example.org"          # approves publications (must differ from the submission address)
name = "Référent réseaux sociaux"          # display name
backup_address = "suppleant@example.org"  # backup referent: absences and escalation
admin_address = ""                        # also told of publishing failures and expiring network credentials
absence_default_days = 1                  # away this long after an out-of-office reply without a date
remind_after_working_hours = 4            # a reminder after this many working hours without a decision (0: none)
escalate_after_working_hours = 8          # then the backup is told too, once (0: never)

# The right to disconnect: mail and chat reach people only in their working hours (in
# general.time_zone); what comes outside them goes as one digest at the next start. Takedowns
# and publishing failures are the exception. A person's own hours: a [people.NAME] table,
#   [people.marie]
#   address = "marie.dupont@example.org"
#   working_hours = "mon-thu 08:30-12:00 13:30-17:30; fri 08:30-12:00"
[working_hours]
default = "mon-fri 08:30-18:00"
public_holidays = "france"                # france, alsace-moselle or none

[workflow]
default_channels = ["site"]       # channels proposed for a new request, each a [channels.NAME]
publish_delay_minutes = 0         # approved posts go out this long after approval unless a time is picked (0 to 43200)
needs_changes_expiry_days = 14    # a request waiting for the agent's changes expires after this
approval_expiry_days = 14         # a request waiting for the referent's decision expires after this
link_ttl_hours = 168              # links in mails stay valid this long

[security]
token_key_file = ""   # key that signs link tokens; empty = generate <state_dir>/secrets/token.key (mode 0600)
api_tokens_file = ""  # API bearer tokens, lines "NAME read|write TOKEN"; empty = /api/v1/ off

[outbox]
max_attempts = 12                 # deliveries of a mail or post tried before it fails for good
backoff_initial_seconds = 5       # delay before the first retry; doubles each time
backoff_max_seconds = 3600        # longest delay between two retries

[takedown]
automatic = true                  # remove at once when a request matches a publication with certainty
deadline_days = 30                # a takedown request must be answered within this many days
reminder_days = 7                 # remind the referent of an open case this long before its deadline
match_distance = 10               # largest perceptual-hash distance for "the same photo" (0 to 20)
max_attachments = 20              # attachments of one request compared with the publications
form_requests_per_day = 5         # takedown forms accepted per day per e-mail and per network address

[images]
max_pixels = 100000000            # images larger than this (from their header) are not decoded

[checks]
min_short_side = 1080             # photos with a shorter short side (pixels) go back to the agent
blur_threshold = 30               # sharpness below which a photo is blurred (variance of the Laplacian at 1000 px)
late_days = 30                    # material sent this long after its event is flagged as late
election_periods = []             # pre-election periods, e.g. ["2026-02-16/2026-03-22"]: political terms blocking
face_cascade = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml"  # OpenCV face cascade (opencv-data)

[retention]
media_days = 90                   # media of rejected, withdrawn and expired requests are deleted after this
case_years = 5                    # closed takedown cases keep the requester's details this long

# Channels: one [channels.NAME] table each, with a type: site, facebook, linkedin, x,
# mastodon or webhook. Network channels accept base_url and read secrets from *_file keys.

[channels.site]
type = "site"             # a static news page with an Atom feed
dir = "var/site"          # where the pages, feed and media are written
title = "Actualités"      # title of the page and the feed
public_url = ""           # public URL of the page; empty = <http.public_url>/site/

# A Mastodon account, for example (add "mastodon" to workflow.default_channels to propose it):
# [channels.mastodon]
# type = "mastodon"
# base_url = "https://mastodon.example"
# access_token_file = "/run/credentials/relais.service/mastodon-token"
# visibility = "public"   # public | unlisted | private
)relais_toml";
  return text;
}

}  // namespace relais::daemon
