// Generates the JSON Schema (draft 2020-12) of relais.toml from the key tables, printed with
// a stable layout so that schemas/config.schema.json can be compared byte for byte.
// Cannot fail: the tables are compiled in.
#include <algorithm>
#include <boost/json.hpp>

#include "daemon/config/config.hpp"
#include "daemon/config/config_keys.hpp"

namespace relais::daemon {
namespace {

namespace json = boost::json;
using namespace config_keys;

json::value to_json(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    return json::string(*s);
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    return *i;
  }
  if (const auto* b = std::get_if<bool>(&v)) {
    return *b;
  }
  json::array items;
  for (const auto& s : std::get<std::vector<std::string>>(v)) {
    items.emplace_back(json::string(s));
  }
  return items;
}

json::object key_schema(const KeySpec& spec) {
  json::object out;
  out["description"] = json::string(spec.help);
  switch (spec.type) {
    case KeyType::integer:
    case KeyType::duration_seconds:
      out["type"] = "integer";
      if (spec.min < spec.max) {
        out["minimum"] = spec.min;
        out["maximum"] = spec.max;
      }
      break;
    case KeyType::boolean:
      out["type"] = "boolean";
      break;
    case KeyType::sender_list:
    case KeyType::channel_list:
    case KeyType::host_list:
      out["type"] = "array";
      out["items"] = json::object{{"type", "string"}, {"minLength", 1}};
      break;
    case KeyType::period_list:
      out["type"] = "array";
      out["items"] =
          json::object{{"type", "string"},
                       {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9]{4}-[0-9]{2}-[0-9]{2}$"}};
      break;
    case KeyType::enumeration: {
      out["type"] = "string";
      json::array allowed;
      for (auto a : spec.allowed) {
        allowed.emplace_back(json::string(a));
      }
      out["enum"] = std::move(allowed);
      break;
    }
    case KeyType::email:
      out["type"] = "string";
      out["format"] = "email";
      break;
    case KeyType::url:
      out["type"] = "string";
      out["pattern"] = spec.allow_empty ? "^(https?://.+)?$" : "^https?://.+$";
      break;
    case KeyType::address:
      out["type"] = "string";
      out["pattern"] = std::string("^(.+:[0-9]{1,5}") + (spec.allow_unix ? "|unix:.+" : "") +
                       (spec.allow_empty ? ")?$" : ")$");
      break;
    default:
      out["type"] = "string";
      if (!spec.allow_empty) {
        out["minLength"] = 1;
      }
      break;
  }
  if (!spec.required) {
    out["default"] = to_json(spec.default_value);
  }
  return out;
}

// Nests the flat dotted keys into object schemas: "mail.relay.host" -> mail/relay/host.
void add_key(json::object& root, std::string_view path, json::object schema) {
  auto dot = path.find('.');
  if (dot == std::string_view::npos) {
    root["properties"].as_object()[path] = std::move(schema);
    return;
  }
  auto& properties = root["properties"].as_object();
  auto name = path.substr(0, dot);
  if (!properties.contains(name)) {
    properties[name] = json::object{
        {"type", "object"}, {"additionalProperties", false}, {"properties", json::object{}}};
  }
  add_key(properties[name].as_object(), path.substr(dot + 1), std::move(schema));
}

json::object channel_schema() {
  json::array type_names;
  json::array rules;
  for (const auto& type : channel_types()) {
    type_names.emplace_back(json::string(type.name));
    json::object properties{{"type", json::object{{"const", json::string(type.name)}}}};
    json::array required{"type"};
    for (const auto& spec : type.keys) {
      properties[spec.path] = key_schema(spec);
      if (spec.required) {
        required.emplace_back(json::string(spec.path));
      }
    }
    json::object then{{"description", json::string(type.help)},
                      {"properties", std::move(properties)},
                      {"required", std::move(required)}};
    if (type.extra_secret_files) {
      then["patternProperties"] =
          json::object{{"^[a-z0-9_]+_file$",
                        json::object{{"type", "string"},
                                     {"minLength", 1},
                                     {"description", "Another secret file of the connector."}}}};
    }
    then["additionalProperties"] = false;
    rules.emplace_back(json::object{
        {"if",
         json::object{{"properties",
                       json::object{{"type", json::object{{"const", json::string(type.name)}}}}}}},
        {"then", std::move(then)}});
  }
  json::object channel{{"type", "object"},
                       {"required", json::array{"type"}},
                       {"properties", json::object{{"type", json::object{{"enum", type_names}}}}},
                       {"allOf", std::move(rules)}};
  return json::object{{"type", "object"},
                      {"description", "Publication channels: one [channels.NAME] table each."},
                      {"propertyNames", json::object{{"pattern", "^[a-z0-9_-]+$"}}},
                      {"additionalProperties", std::move(channel)}};
}

// One table of a typed kind (an IMAP account, a hook): its keys, the required ones, no other.
json::object typed_table_schema(const ChannelType& type) {
  json::object properties;
  json::array required;
  for (const auto& spec : type.keys) {
    properties[spec.path] = key_schema(spec);
    if (spec.required)
      required.emplace_back(json::string(spec.path));
  }
  return json::object{{"type", "object"},
                      {"description", json::string(type.help)},
                      {"properties", std::move(properties)},
                      {"required", std::move(required)},
                      {"additionalProperties", false}};
}

// [hooks.NAME], [people.NAME], [chat.NAME]: one typed table per name.
json::object named_section_schema(const NamedSection& named) {
  return json::object{{"type", "object"},
                      {"description", json::string(named.intro)},
                      {"propertyNames", json::object{{"pattern", "^[a-z0-9_-]+$"}}},
                      {"additionalProperties", typed_table_schema(named.type())}};
}

// [mail.imap]: one account's keys, or tables of them ([mail.imap.NAME]).
json::object imap_schema() {
  json::object account = typed_table_schema(imap_account_type());
  json::object several{{"type", "object"},
                       {"description", "Several accounts: one [mail.imap.NAME] table each."},
                       {"minProperties", 1},
                       {"additionalProperties", account}};
  return json::object{{"oneOf", json::array{account, several}}};
}

void print(std::string& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [k, item] : v.as_object()) {
      out += (first ? "" : ",\n") + pad + json::serialize(json::string(k)) + ": ";
      print(out, item, indent + 2);
      first = false;
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    // Short arrays of scalars on one line; arrays of objects one item per line.
    bool nested = std::any_of(v.as_array().begin(), v.as_array().end(),
                              [](const json::value& item) { return item.is_structured(); });
    out += nested ? "[\n" + pad : "[";
    bool first = true;
    for (const auto& item : v.as_array()) {
      out += first ? "" : (nested ? ",\n" + pad : ", ");
      print(out, item, nested ? indent + 2 : indent);
      first = false;
    }
    out += nested ? "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "]" : "]";
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::string generate_config_schema() {
  json::object root{
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"title", "relais configuration (relais.toml)"},
      {"description", "Generated from daemon/config/config_keys.cpp; do not edit by hand."},
      {"type", "object"},
      {"additionalProperties", false},
      {"properties", json::object{}}};
  for (const auto& spec : keys()) {
    add_key(root, spec.path, key_schema(spec));
  }
  root["properties"].as_object()["channels"] = channel_schema();
  for (const auto& named : named_sections())
    root["properties"].as_object()[named.section] = named_section_schema(named);
  root["properties"].as_object()["mail"].as_object()["properties"].as_object()["imap"] =
      imap_schema();
  std::string out;
  print(out, root, 0);
  return out + "\n";
}

}  // namespace relais::daemon
