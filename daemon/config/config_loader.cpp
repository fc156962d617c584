// Loads relais.toml: parses it, checks every key against the key table, the channel tables
// against their type, then the rules that tie keys together. Collects every problem rather
// than stopping at the first; returns a Config only when there is none.
#include <fmt/format.h>
#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "daemon/config/config.hpp"
#include "daemon/config/config_checks.hpp"
#include "daemon/config/config_keys.hpp"
#include "daemon/config/config_value_reader.hpp"
#include "workflow/working_hours.hpp"

namespace relais::daemon {
namespace {

using namespace config_keys;
namespace checks = config_checks;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string last_segment(std::string_view path) {
  auto dot = path.rfind('.');
  return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

std::size_t typo_distance(std::string_view name) {
  return std::clamp<std::size_t>(name.size() / 3, 1, 3);
}

int line_of(const toml::key& key, const toml::node& node) {
  if (key.source().begin.line > 0) {
    return static_cast<int>(key.source().begin.line);
  }
  return static_cast<int>(node.source().begin.line);
}

std::string value_text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    return std::to_string(*i);
  }
  if (const auto* b = std::get_if<bool>(&v)) {
    return *b ? "true" : "false";
  }
  return value_to_toml(v);
}

}  // namespace

std::vector<std::string> ChannelConfig::list(std::string_view key) const {
  std::vector<std::string> out;
  const auto it = settings.find(std::string(key));
  if (it == settings.end())
    return out;
  const std::string& text = it->second;
  std::size_t pos = 0;
  while ((pos = text.find('"', pos)) != std::string::npos) {
    const auto end = text.find('"', pos + 1);
    if (end == std::string::npos)
      break;
    out.push_back(lower(text.substr(pos + 1, end - pos - 1)));
    pos = end + 1;
  }
  return out;
}

namespace {

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {
    for (const auto& spec : keys()) {
      values_[std::string(spec.path)] = spec.default_value;
    }
  }

  ConfigOrProblems load(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      problem(
          "", static_cast<int>(e.source().begin.line),
          fmt::format("syntax error at column {}: {}", e.source().begin.column, e.description()));
      return problems_;
    }
    walk(root, "");
    if (!channels_seen_) {
      add_default_channels();
    }
    cross_check();
    if (!problems_.empty()) {
      return problems_;
    }
    return build();
  }

 private:
  void problem(std::string key, int line, std::string message) {
    problems_.push_back({file_, std::move(key), line, std::move(message)});
  }

  void walk(const toml::table& table, const std::string& prefix) {
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      std::string path = prefix.empty() ? name : prefix + "." + name;
      int line = line_of(key, node);
      lines_[path] = line;
      if (path == "channels") {
        load_channels(node, line);
      } else if (path == "mail.imap") {
        load_imap_accounts(node, line);
      } else if (const NamedSection* named = find_named_section(path)) {
        load_named_tables(*named, node, line);
      } else if (const KeySpec* spec = find_key(path)) {
        auto value = read_value(*spec, node);
        if (auto* bad = std::get_if<BadValue>(&value)) {
          problem(path, line, std::move(bad->message));
        } else {
          values_[path] = std::get<Value>(std::move(value));
        }
      } else if (is_section(path)) {
        if (const auto* sub = node.as_table()) {
          walk(*sub, path);
        } else {
          problem(path, line,
                  fmt::format("must be a table ([{}]), not {}", path, describe_toml_type(node)));
        }
      } else if (is_inline_secret_name(name)) {
        inline_secret(path, name, line);
      } else {
        unknown_key(path, node.is_table(), line);
      }
    }
  }

  bool is_section(const std::string& path) const {
    const auto all = sections();
    return std::find(all.begin(), all.end(), path) != all.end();
  }

  void inline_secret(const std::string& path, const std::string& name, int line) {
    problem(path, line, fmt::format("secrets must be read from a file: use {}_file", name));
  }

  void unknown_key(const std::string& path, bool is_table, int line) {
    std::vector<std::string> candidates = sections();
    for (const auto& spec : keys()) {
      candidates.emplace_back(spec.path);
    }
    candidates.emplace_back("channels");
    std::string name = last_segment(path);
    std::optional<std::string> guess = checks::closest(path, candidates, typo_distance(name));
    if (!guess) {  // the right key in the wrong section?
      for (const auto& spec : keys()) {
        if (last_segment(spec.path) == name) {
          guess = std::string(spec.path);
        }
      }
    }
    std::string what = is_table ? "unknown section" : "unknown key";
    problem(path, line, guess ? fmt::format("{} (did you mean {}?)", what, *guess) : what);
  }

  void load_channels(const toml::node& node, int line) {
    channels_seen_ = true;
    const auto* table = node.as_table();
    if (table == nullptr) {
      problem("channels", line, "must hold [channels.NAME] tables");
      return;
    }
    for (auto&& [key, channel] : *table) {
      load_channel(std::string(key.str()), channel, line_of(key, channel));
    }
  }

  void load_channel(const std::string& name, const toml::node& node, int line) {
    const std::string path = "channels." + name;
    channel_names_.push_back(name);  // even when broken: no second problem in default_channels
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        })) {
      problem(path, line, "a channel name may use only a-z, 0-9, _ and -");
    }
    const auto* table = node.as_table();
    if (table == nullptr) {
      problem(path, line,
              fmt::format("must be a table ([{}]), not {}", path, describe_toml_type(node)));
      return;
    }
    std::vector<std::string> type_names;
    for (const auto& t : channel_types()) {
      type_names.emplace_back(t.name);
    }
    const std::string known = fmt::format("{}", fmt::join(type_names, ", "));
    const toml::node* type_node = table->get("type");
    if (type_node == nullptr || !type_node->is_string()) {
      problem(path, line, fmt::format("needs type = one of: {}", known));
      return;
    }
    const std::string& type_text = type_node->as_string()->get();
    const ChannelType* type = find_channel_type(type_text);
    if (type == nullptr) {
      auto guess = checks::closest(type_text, type_names, typo_distance(type_text));
      problem(path + ".type", static_cast<int>(type_node->source().begin.line),
              fmt::format("unknown channel type \"{}\"{} (known types: {})", type_text,
                          guess ? fmt::format(", did you mean \"{}\"?", *guess) : "", known));
      return;
    }
    channels_.push_back(load_typed_table(path, name, *type, *table, line));
  }

  // [mail.imap] holding keys is one account; holding only tables, one account per table.
  void load_imap_accounts(const toml::node& node, int line) {
    const auto* table = node.as_table();
    if (table == nullptr) {
      problem("mail.imap", line,
              fmt::format("must be a table ([mail.imap]), not {}", describe_toml_type(node)));
      return;
    }
    const bool one = std::any_of(table->begin(), table->end(),
                                 [](const auto& entry) { return !entry.second.is_table(); });
    if (one) {
      imap_accounts_.push_back(
          load_typed_table("mail.imap", "imap", imap_account_type(), *table, line));
      check_imap_account("mail.imap", imap_accounts_.back(), *table, line);
      return;
    }
    for (auto&& [key, account] : *table) {
      const std::string name(key.str());
      const std::string path = "mail.imap." + name;
      imap_accounts_.push_back(load_typed_table(path, name, imap_account_type(),
                                                *account.as_table(), line_of(key, account)));
      check_imap_account(path, imap_accounts_.back(), *account.as_table(), line_of(key, account));
    }
  }

  // Every table under [hooks], [people], [chat] is one of its kind, named by its key.
  void load_named_tables(const NamedSection& named, const toml::node& node, int line) {
    const std::string section(named.section);
    const auto* table = node.as_table();
    if (table == nullptr) {
      problem(section, line, fmt::format("must hold [{}.NAME] tables", section));
      return;
    }
    for (auto&& [key, item] : *table) {
      const std::string name(key.str());
      const std::string path = section + "." + name;
      const int at = line_of(key, item);
      if (!item.is_table()) {
        problem(path, at,
                fmt::format("must be a table ([{}]), not {}", path, describe_toml_type(item)));
        continue;
      }
      if (name.empty() ||
          name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
        problem(path, at,
                fmt::format("the name of {} may hold only a-z, 0-9, _ and -", named.what));
        continue;
      }
      named_[section].push_back(load_typed_table(path, name, named.type(), *item.as_table(), at));
    }
  }

  // A password or the three OAuth2 keys; clear text only to this machine.
  void check_imap_account(const std::string& path, const ChannelConfig& a,
                          const toml::table& written, int line) {
    // A key written but refused (a missing file, an inline secret) is reported already: it
    // counts as given here, so that one mistake makes one problem.
    auto has = [&](const char* key) {
      const auto it = a.settings.find(key);
      const std::string inline_name = std::string(key).substr(0, std::string(key).size() - 5);
      return (it != a.settings.end() && !it->second.empty()) || written.contains(key) ||
             (std::string_view(key).ends_with("_file") && written.contains(inline_name));
    };
    const bool oauth2 =
        has("oauth2_refresh_token_file") || has("oauth2_token_url") || has("oauth2_client_id");
    if (oauth2 &&
        !(has("oauth2_refresh_token_file") && has("oauth2_token_url") && has("oauth2_client_id"))) {
      problem(path, line,
              "XOAUTH2 needs oauth2_token_url, oauth2_client_id and oauth2_refresh_token_file");
    } else if (oauth2 && has("password_file")) {
      problem(path, line, "give password_file or the oauth2_* keys, not both");
    } else if (!oauth2 && !has("password_file")) {
      problem(path, line,
              "needs password_file, or oauth2_token_url, oauth2_client_id and "
              "oauth2_refresh_token_file (Microsoft 365 and Google refuse passwords)");
    }
    const auto tls = a.settings.find("tls");
    const auto host = a.settings.find("host");
    if (tls != a.settings.end() && tls->second == "none" && host != a.settings.end() &&
        !checks::is_loopback_host(host->second)) {
      problem(path + ".tls", line,
              "tls = \"none\" is only for a server on this machine; use implicit or starttls");
    }
  }

  // The keys of one [channels.NAME] or [mail.imap...] table, checked against its type's.
  ChannelConfig load_typed_table(const std::string& path, const std::string& name,
                                 const ChannelType& type_spec, const toml::table& table, int line) {
    const ChannelType* type = &type_spec;
    ChannelConfig channel{name, std::string(type->name), {}};
    for (auto&& [key, value] : table) {
      std::string key_name(key.str());
      if (key_name == "type" && path.starts_with("channels.")) {
        continue;
      }
      load_channel_key(*type, path, key_name, value, line_of(key, value), channel);
    }
    const auto* table_ptr = &table;
    for (const auto& spec : type->keys) {
      if (channel.settings.contains(std::string(spec.path)) || table_ptr->contains(spec.path)) {
        continue;
      }
      if (spec.path.ends_with("_file") &&
          table_ptr->contains(spec.path.substr(0, spec.path.size() - 5))) {
        continue;  // written inline: already reported as such
      }
      if (spec.required) {
        problem(path, line, fmt::format("{} needs {} ({})", kind_of(*type), spec.path, spec.help));
      } else {
        channel.settings[std::string(spec.path)] = value_text(spec.default_value);
      }
    }
    return channel;
  }

  static std::string kind_of(const ChannelType& type) {
    for (const auto& named : named_sections()) {
      if (&type == &named.type())
        return std::string(named.what);
    }
    return &type == &imap_account_type() ? std::string("an IMAP account")
                                         : fmt::format("a {} channel", type.name);
  }

  void load_channel_key(const ChannelType& type, const std::string& channel_path,
                        const std::string& name, const toml::node& node, int line,
                        ChannelConfig& channel) {
    const std::string path = channel_path + "." + name;
    const KeySpec* spec = nullptr;
    for (const auto& s : type.keys) {
      if (s.path == name) {
        spec = &s;
      }
    }
    static const KeySpec extra_secret{
        .path = "", .type = KeyType::secret_file, .default_value = "", .help = ""};
    if (spec == nullptr && type.extra_secret_files && name.ends_with("_file")) {
      spec = &extra_secret;
    }
    if (spec == nullptr) {
      if (is_inline_secret_name(name)) {
        inline_secret(path, name, line);
        return;
      }
      std::vector<std::string> candidates;
      for (const auto& s : type.keys) {
        candidates.emplace_back(s.path);
      }
      auto guess = checks::closest(name, candidates, typo_distance(name));
      problem(path, line,
              fmt::format("unknown key for {}{}", kind_of(type),
                          guess ? fmt::format(" (did you mean {}?)", *guess) : ""));
      return;
    }
    auto value = read_value(*spec, node);
    if (auto* bad = std::get_if<BadValue>(&value)) {
      problem(path, line, std::move(bad->message));
      return;
    }
    channel.settings[name] = value_text(std::get<Value>(value));
  }

  void add_default_channels() {
    // No [channels] at all: the embedded default's single `site` channel.
    const ChannelType* site = find_channel_type("site");
    ChannelConfig channel{"site", "site", {}};
    channel_names_.push_back(channel.name);
    for (const auto& spec : site->keys) {
      channel.settings[std::string(spec.path)] = value_text(spec.default_value);
    }
    channels_.push_back(std::move(channel));
  }

  const std::string& text(const char* path) const {
    return std::get<std::string>(values_.at(path));
  }
  std::int64_t number(const char* path) const { return std::get<std::int64_t>(values_.at(path)); }
  int line(const std::string& path) const {
    auto it = lines_.find(path);
    return it == lines_.end() ? 0 : it->second;
  }

  void cross_check() {
    const std::string submission = lower(text("mail.submission_address"));
    for (const char* who : {"referent.address", "referent.backup_address"}) {
      if (lower(text(who)) == submission) {
        problem(who, line(who),
                "must differ from mail.submission_address (the referent's mail would be taken "
                "for a submission)");
      }
    }
    if (std::get<bool>(values_.at("mail.require_dmarc")) &&
        text("mail.trusted_authserv_id").empty()) {
      problem("mail.trusted_authserv_id", line("mail.require_dmarc"),
              "must name your receiving server when mail.require_dmarc is true (no verdict "
              "would be believed, so no answer by mail would ever act)");
    }
    if (auto week = workflow::parse_working_week(text("working_hours.default")); !week) {
      problem("working_hours.default", line("working_hours.default"), week.error().message);
    }
    std::set<std::string> people_seen;
    for (const auto& person : named_["people"]) {
      const std::string path = "people." + person.name;
      const auto setting = [&](const char* key) {
        const auto it = person.settings.find(key);
        return it == person.settings.end() ? std::string() : it->second;
      };
      const std::string hours = setting("working_hours");
      if (auto week = workflow::parse_working_week(hours); !hours.empty() && !week)
        problem(path + ".working_hours", line(path), week.error().message);
      const std::string address = lower(setting("address"));
      if (!address.empty() && !people_seen.insert(address).second)
        problem(path + ".address", line(path), "another [people.NAME] table has this address");
    }
    for (const auto& hook : named_["hooks"]) {
      const auto& who = hook.settings.at("referent");
      if (!who.empty() && lower(who) != lower(text("referent.address")) &&
          lower(who) != lower(text("referent.backup_address"))) {
        problem("hooks." + hook.name + ".referent", line("hooks." + hook.name),
                "must be referent.address or referent.backup_address");
      }
    }
    const std::string& host = text("mail.relay.host");
    if (text("mail.relay.tls") == "none" && !host.empty() && !checks::is_loopback_host(host)) {
      problem("mail.relay.tls", line("mail.relay.tls"),
              fmt::format("\"none\" is accepted only for a loopback relay host (got host \"{}\"); "
                          "use starttls or implicit",
                          host));
    }
    // A key written but refused (a missing file) counts as given: one mistake, one problem.
    const auto given = [&](const char* key) {
      return !text(key).empty() || std::any_of(problems_.begin(), problems_.end(),
                                               [&](const auto& p) { return p.key == key; });
    };
    const bool oauth2 = given("mail.relay.oauth2_token_url") ||
                        given("mail.relay.oauth2_client_id") ||
                        given("mail.relay.oauth2_refresh_token_file");
    if (oauth2 && !(given("mail.relay.oauth2_token_url") && given("mail.relay.oauth2_client_id") &&
                    given("mail.relay.oauth2_refresh_token_file"))) {
      problem("mail.relay", line("mail.relay"),
              "XOAUTH2 needs oauth2_token_url, oauth2_client_id and oauth2_refresh_token_file");
    } else if (oauth2 && text("mail.relay.username").empty()) {
      problem("mail.relay.username", line("mail.relay"),
              "must name the account to send as with XOAUTH2");
    } else if (oauth2 && lines_.contains("mail.relay.password_file") &&
               !text("mail.relay.password_file").empty()) {
      problem("mail.relay.password_file", line("mail.relay.password_file"),
              "give password_file or the oauth2_* keys, not both");
    } else if (!oauth2 && !text("mail.relay.username").empty() &&
               !lines_.contains("mail.relay.password_file")) {
      problem("mail.relay.password_file", line("mail.relay.username"),
              "must name the file holding the password when mail.relay.username is set");
    }
    if (number("outbox.backoff_initial_seconds") > number("outbox.backoff_max_seconds")) {
      problem("outbox.backoff_initial_seconds", line("outbox.backoff_initial_seconds"),
              "must not be greater than outbox.backoff_max_seconds");
    }
    const std::string& smtp = text("mail.smtp_listen");
    if (!smtp.empty() && (smtp == text("http.listen") || smtp == text("mail.lmtp_listen"))) {
      problem("mail.smtp_listen", line("mail.smtp_listen"),
              "uses the same address as another listener");
    }
    const std::vector<std::string>& names = channel_names_;
    for (const auto& wanted :
         std::get<std::vector<std::string>>(values_.at("workflow.default_channels"))) {
      if (std::find(names.begin(), names.end(), wanted) == names.end()) {
        problem("workflow.default_channels", line("workflow.default_channels"),
                fmt::format("names channel \"{}\", but there is no [channels.{}] table "
                            "(configured: {})",
                            wanted, wanted,
                            names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
      }
    }
  }

  Config build() {
    Config config;
    for (const auto& spec : keys()) {
      const Value& value = values_.at(std::string(spec.path));
      std::visit(
          [&](auto field) {
            using F = decltype(field);
            if constexpr (std::is_same_v<F, std::string& (*)(Config&)>) {
              field(config) = std::get<std::string>(value);
            } else if constexpr (std::is_same_v<F, int& (*)(Config&)>) {
              field(config) = static_cast<int>(std::get<std::int64_t>(value));
            } else if constexpr (std::is_same_v<F, std::int64_t& (*)(Config&)>) {
              field(config) = std::get<std::int64_t>(value);
            } else if constexpr (std::is_same_v<F, bool& (*)(Config&)>) {
              field(config) = std::get<bool>(value);
            } else if constexpr (std::is_same_v<F, std::vector<std::string>& (*)(Config&)>) {
              field(config) = std::get<std::vector<std::string>>(value);
            }
          },
          spec.field);
    }
    for (auto& channel : channels_) {
      auto url = channel.settings.find("public_url");
      if (channel.type == "site" && url != channel.settings.end() && url->second.empty()) {
        std::string base = config.http.public_url;
        while (!base.empty() && base.back() == '/') {
          base.pop_back();
        }
        url->second = base + "/site/";
      }
    }
    config.channels = std::move(channels_);
    config.mail.imap_accounts = std::move(imap_accounts_);
    for (const auto& named : named_sections())
      named.field(config) = std::move(named_[std::string(named.section)]);
    config.source = file_;
    return config;
  }

  std::string file_;
  std::vector<ConfigProblem> problems_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> lines_;
  std::vector<ChannelConfig> channels_;
  std::vector<ChannelConfig> imap_accounts_;
  std::map<std::string, std::vector<ChannelConfig>> named_;  // by section
  std::vector<std::string> channel_names_;
  bool channels_seen_ = false;
};

}  // namespace

ConfigOrProblems load_config_string(std::string_view toml, std::string_view source_name) {
  return Loader(std::string(source_name)).load(toml);
}

ConfigOrProblems load_config_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    return std::vector<ConfigProblem>{{file.string(), "", 0, "is a directory, not a file"}};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return std::vector<ConfigProblem>{
        {file.string(), "", 0, "cannot read the configuration file (missing or unreadable)"}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_string(text.str(), file.string());
}

std::string format_problem(const ConfigProblem& p) {
  std::string out = p.file;
  if (p.line > 0) {
    out += fmt::format(":{}", p.line);
  }
  out += ": ";
  if (!p.key.empty()) {
    out += p.key + ": ";
  }
  return out + p.message;
}

const ChannelConfig* find_channel(const Config& config, std::string_view name) {
  for (const auto& channel : config.channels) {
    if (channel.name == name) {
      return &channel;
    }
  }
  return nullptr;
}

}  // namespace relais::daemon
