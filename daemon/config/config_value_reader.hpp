// Reads one TOML value against its KeySpec: checks the TOML type, bounds, allowed values and
// syntax (email, address, URL, time zone, secret file). Returns the value, or the sentence
// that says what is wrong; the sentence never quotes the value of a secret.
#pragma once

#include <toml++/toml.h>
#include <string>
#include <variant>

#include "daemon/config/config_keys.hpp"

namespace relais::daemon::config_keys {

struct BadValue {
  std::string message;
};

std::variant<Value, BadValue> read_value(const KeySpec& spec, const toml::node& node);

// "a string", "an integer", ... for messages.
std::string describe_toml_type(const toml::node& node);

}  // namespace relais::daemon::config_keys
