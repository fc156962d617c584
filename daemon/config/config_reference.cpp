// Generates the Markdown reference of relais.toml (README, `relaisd --print-config-reference`)
// from the key tables: one table of the top-level keys, one per channel type.
// Cannot fail: the tables are compiled in.
#include <fmt/format.h>

#include "daemon/config/config.hpp"
#include "daemon/config/config_keys.hpp"

namespace relais::daemon {
namespace {

using namespace config_keys;

// Pipes would break the Markdown table; "<state_dir>" would be taken for an HTML tag.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '|' ? "\\|" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
  }
  return out;
}

std::string limits(const KeySpec& spec) {
  if (spec.type == KeyType::enumeration) {
    std::string out;
    for (auto a : spec.allowed) {
      out += (out.empty() ? "`" : ", `") + std::string(a) + "`";
    }
    return out;
  }
  if (spec.min < spec.max) {
    return fmt::format("{} to {}", spec.min, spec.max);
  }
  if (spec.type == KeyType::url && spec.https_unless_loopback) {
    return "http:// only for a loopback host";
  }
  if (spec.allow_empty) {
    return "may be empty";
  }
  return "";
}

std::string row(std::string_view key, const KeySpec& spec) {
  std::string fallback = spec.required ? "required" : "`" + value_to_toml(spec.default_value) + "`";
  return fmt::format("| `{}` | {} | {} | {} | {} |\n", key, cell(type_name(spec)), cell(fallback),
                     cell(limits(spec)), cell(spec.help));
}

constexpr std::string_view header =
    "| key | type | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n";

std::string key_table(const std::vector<KeySpec>& specs) {
  std::string out(header);
  for (const auto& spec : specs)
    out += row(spec.path, spec);
  return out;
}

}  // namespace

std::string config_reference_markdown() {
  std::string out =
      "## Configuration reference\n\n"
      "One TOML file (`relaisd --config FILE`); without one, relais uses the embedded default, "
      "`etc/relais.toml`. Relative paths are relative to the working directory. Secrets are "
      "never written in the file: keys ending in `_file` name a file holding the secret.\n\n";
  out += header;
  for (const auto& spec : keys()) {
    out += row(spec.path, spec);
  }
  out +=
      "\n### IMAP accounts\n\n"
      "`[mail.imap]` is one mailbox relais reads; `[mail.imap.NAME]` tables are several (one "
      "for submissions, one for takedowns...). None: relais reads no mailbox.\n\n";
  out += key_table(imap_account_type().keys);
  for (const auto& named : named_sections()) {
    out += fmt::format("\n### {}\n\n{}\n\n", named.title, named.intro);
    out += key_table(named.type().keys);
  }
  out +=
      "\n### Channels\n\n"
      "One `[channels.NAME]` table per channel (NAME: a-z, 0-9, `_`, `-`), with a `type`. "
      "Without any `[channels.…]` table, relais has the single channel `site` with the "
      "defaults below.\n";
  for (const auto& type : channel_types()) {
    out += fmt::format("\n#### `type = \"{}\"`\n\n{}", type.name, type.help);
    if (type.extra_secret_files) {
      out += " Any other key ending in `_file` is accepted as a secret file.";
    }
    out += "\n\n";
    out += key_table(type.keys);
  }
  return out;
}

}  // namespace relais::daemon
