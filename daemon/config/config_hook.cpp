// The keys of a signed inbound webhook ([hooks.NAME], served at POST /hooks/NAME): another
// system of the organisation (an intranet form, a Power Automate flow, the website's takedown
// form) submitting, asking for a takedown, or deciding for a referent.
#include "daemon/config/config_keys.hpp"

namespace relais::daemon::config_keys {

const ChannelType& hook_type() {
  using T = KeyType;
  static const ChannelType type{
      "hook",
      "A signed inbound webhook, POST /hooks/NAME (NAME: a-z, 0-9, `_`, `-`).",
      {
          {.path = "kind",
           .type = T::enumeration,
           .default_value = "",
           .help = "What a call does: submission (a publication request), takedown (a "
                   "takedown request) or decision (the referent's decision on a request).",
           .allowed = {"submission", "takedown", "decision"},
           .required = true},
          {.path = "secret_file",
           .type = T::secret_file,
           .default_value = "",
           .help = "File holding the shared secret the caller signs with (HMAC-SHA256).",
           .required = true},
          {.path = "referent",
           .type = T::email,
           .default_value = "",
           .help = "decision: the referent the calls decide for (referent.address or "
                   "referent.backup_address); empty: referent.address.",
           .allow_empty = true},
          {.path = "requester_verified",
           .type = T::boolean,
           .default_value = false,
           .help = "takedown: the calling system has confirmed the requester's address, so "
                   "relais sends no confirmation link."},
          {.path = "media_hosts",
           .type = T::host_list,
           .default_value = std::vector<std::string>{},
           .help = "Hosts media URLs may be fetched from (a name also allows its subdomains); "
                   "empty: media only as base64."},
          {.path = "allow_private_addresses",
           .type = T::boolean,
           .default_value = false,
           .help = "Allow media URLs that lead to loopback, link-local or private addresses "
                   "(an intranet server); http is then also allowed for loopback."},
          {.path = "max_media_bytes",
           .type = T::integer,
           .default_value = std::int64_t{26214400},
           .help = "Largest file accepted, base64 or fetched, in bytes.",
           .min = 1024,
           .max = 1073741824},
          {.path = "fetch_timeout_seconds",
           .type = T::duration_seconds,
           .default_value = std::int64_t{20},
           .help = "Longest time to fetch one media URL.",
           .min = 1,
           .max = 300},
      }};
  return type;
}

}  // namespace relais::daemon::config_keys
