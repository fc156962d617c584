// Checks one TOML value against its KeySpec (see config_value_reader.hpp). Pure apart from
// the time-zone and secret-file checks, which look at the file system.
#include "daemon/config/config_value_reader.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "daemon/config/config_checks.hpp"
#include "workflow/checks.hpp"

namespace relais::daemon::config_keys {
namespace {

namespace checks = config_checks;

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto item : items) {
    out += (out.empty() ? "" : ", ") + std::string(item);
  }
  return out;
}

// Syntax of one text value; "" when fine.
std::string check_text(const KeySpec& spec, const std::string& text) {
  if (text.empty()) {
    return spec.allow_empty ? "" : "must not be empty";
  }
  if (text.find('\0') != std::string::npos) {
    return "must not contain a NUL character";
  }
  auto quoted = [&](const std::string& problem) {
    return problem.empty() ? problem : fmt::format("\"{}\" {}", text, problem);
  };
  switch (spec.type) {
    case KeyType::email:
      return quoted(checks::check_email(text));
    case KeyType::address:
      return quoted(checks::check_address(text, spec.allow_unix));
    case KeyType::url:  // not quoted when it may hold credentials (user:password@host)
      return text.find('@') == std::string::npos
                 ? quoted(checks::check_url(text, spec.https_unless_loopback))
                 : checks::check_url(text, spec.https_unless_loopback);
    case KeyType::host:
      return quoted(checks::check_host(text));
    case KeyType::time_zone:
      return quoted(checks::check_time_zone(text));
    case KeyType::secret_file:
      return checks::check_secret_file(text);
    case KeyType::enumeration:
      if (std::find(spec.allowed.begin(), spec.allowed.end(), text) == spec.allowed.end()) {
        return fmt::format("must be one of: {} (got \"{}\")", join(spec.allowed), text);
      }
      return "";
    default:
      return "";
  }
}

std::variant<Value, BadValue> read_list(const KeySpec& spec, const toml::node& node) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    return BadValue{fmt::format("must be a list of strings, e.g. [\"a\", \"b\"], not {}",
                                describe_toml_type(node))};
  }
  std::vector<std::string> items;
  for (const toml::node& item : *array) {
    const auto* text = item.as_string();
    if (text == nullptr) {
      return BadValue{
          fmt::format("must be a list of strings, but one item is {}", describe_toml_type(item))};
    }
    const std::string& s = text->get();
    if (spec.type == KeyType::sender_list) {
      bool is_address = s.find('@') != std::string::npos;
      std::string bad = is_address ? checks::check_email(s) : checks::check_domain(s);
      if (!bad.empty()) {
        return BadValue{fmt::format("\"{}\" is neither a domain nor an email address", s)};
      }
    } else if (spec.type == KeyType::period_list) {
      if (!workflow::parse_period(s)) {
        return BadValue{fmt::format(
            "\"{}\" is not a period: write the first and last days as \"2026-02-16/2026-03-22\"",
            s)};
      }
    } else if (spec.type == KeyType::host_list) {
      if (std::string bad = checks::check_host(s); !bad.empty())
        return BadValue{fmt::format("\"{}\": {}", s, bad)};
    } else if (s.empty()) {
      return BadValue{"must not contain an empty name"};
    }
    items.push_back(s);
  }
  return Value{std::move(items)};
}

}  // namespace

std::string describe_toml_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a decimal number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "a list";
    default:
      return "a date or time";
  }
}

std::variant<Value, BadValue> read_value(const KeySpec& spec, const toml::node& node) {
  switch (spec.type) {
    case KeyType::integer:
    case KeyType::duration_seconds: {
      const auto* number = node.as_integer();
      if (number == nullptr) {
        return BadValue{fmt::format("must be a whole number{}, not {}",
                                    spec.type == KeyType::duration_seconds ? " of seconds" : "",
                                    describe_toml_type(node))};
      }
      std::int64_t n = number->get();
      if (spec.min < spec.max && (n < spec.min || n > spec.max)) {
        return BadValue{fmt::format("must be between {} and {} (got {})", spec.min, spec.max, n)};
      }
      return Value{n};
    }
    case KeyType::boolean: {
      const auto* flag = node.as_boolean();
      if (flag == nullptr) {
        return BadValue{fmt::format("must be true or false, not {}", describe_toml_type(node))};
      }
      return Value{flag->get()};
    }
    case KeyType::sender_list:
    case KeyType::channel_list:
    case KeyType::period_list:
    case KeyType::host_list:
      return read_list(spec, node);
    default: {
      const auto* text = node.as_string();
      if (text == nullptr) {
        return BadValue{
            fmt::format("must be a string (in quotes), not {}", describe_toml_type(node))};
      }
      if (std::string bad = check_text(spec, text->get()); !bad.empty()) {
        return BadValue{std::move(bad)};
      }
      return Value{text->get()};
    }
  }
}

}  // namespace relais::daemon::config_keys
