// The configuration keys, declared once as data: path, type, default, bounds, help, and the
// Config field each one fills. Defaults, validation, unknown-key detection, the JSON Schema and
// the Markdown reference are all driven by these tables; nothing here can fail at run time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/config/config.hpp"

namespace relais::daemon::config_keys {

enum class KeyType {
  string,
  integer,
  boolean,
  duration_seconds,  // an integer number of seconds
  address,           // "host:port", or "unix:/path" when KeySpec::allow_unix
  email,
  sender_list,   // domains or full addresses
  channel_list,  // names of [channels.NAME] tables
  path,
  enumeration,  // one of KeySpec::allowed
  time_zone,    // a name under /usr/share/zoneinfo
  url,          // http(s)://host[:port][/path]; KeySpec::https_unless_loopback tightens it
  host,         // a host name or IP address
  secret_file,  // a path to a file holding a secret: must exist and be readable
  period_list,  // dates periods "YYYY-MM-DD/YYYY-MM-DD", first day <= last day
  host_list,    // host names or IP addresses
};

// A validated value: text, integer, boolean or list of text.
using Value = std::variant<std::string, std::int64_t, bool, std::vector<std::string>>;

// Where a key's value goes in Config. Captureless lambdas convert to these pointers.
using Field = std::variant<std::monostate, std::string& (*)(Config&), int& (*)(Config&),
                           std::int64_t& (*)(Config&), bool& (*)(Config&),
                           std::vector<std::string>& (*)(Config&)>;

struct KeySpec {
  std::string_view path;  // dotted; for channel keys, the key inside the channel table
  KeyType type = KeyType::string;
  Value default_value;
  std::string_view help;
  std::int64_t min = 0;  // integer bounds (inclusive), used when min < max
  std::int64_t max = 0;
  std::vector<std::string_view> allowed = {};  // enumeration values
  bool allow_empty = false;                    // strings, paths, addresses, urls, secret files
  bool allow_unix = false;                     // address: also "unix:/path"
  bool https_unless_loopback = false;          // url: http:// only for a loopback host
  bool required = false;                       // channel keys: must be present
  Field field = {};
};

// One channel type: the keys its [channels.NAME] tables accept (besides `type`).
struct ChannelType {
  std::string_view name;
  std::string_view help;
  std::vector<KeySpec> keys;
  bool extra_secret_files = false;  // also accepts any other `*_file` key (a secret file)
};

// Every top-level key, in the order of etc/relais.toml.
const std::vector<KeySpec>& keys();
// The channel types, in the order of the documentation.
const std::vector<ChannelType>& channel_types();
const KeySpec* find_key(std::string_view path);
const ChannelType* find_channel_type(std::string_view name);
// The keys of an IMAP account: [mail.imap], or [mail.imap.NAME] for several.
const ChannelType& imap_account_type();
// The keys of a signed inbound webhook: [hooks.NAME].
const ChannelType& hook_type();
// The keys of a person's own settings: [people.NAME].
const ChannelType& person_type();
// The keys of a chat notification target: [chat.NAME].
const ChannelType& chat_type();

// A section of tables named by their key, each one table of a typed kind: [hooks.NAME],
// [people.NAME], [chat.NAME]. Loading, the JSON Schema and the reference all read this list.
struct NamedSection {
  std::string_view section;  // "hooks"
  std::string_view what;     // "a hook", for messages
  std::string_view title;    // the reference's heading
  std::string_view intro;    // the reference's paragraph
  const ChannelType& (*type)();
  std::vector<ChannelConfig>& (*field)(Config&);
};
const std::vector<NamedSection>& named_sections();
const NamedSection* find_named_section(std::string_view section);

// The sections (tables) that hold keys: "general", "mail", "mail.relay", ...
std::vector<std::string> sections();

// True for a key name that holds a secret inline (password, token, secret, ...), which is
// refused: secrets are read from files.
bool is_inline_secret_name(std::string_view key_name);

// Human-readable forms, shared by the schema, the reference and the messages.
std::string type_name(const KeySpec& spec);
std::string value_to_toml(const Value& value);

}  // namespace relais::daemon::config_keys
