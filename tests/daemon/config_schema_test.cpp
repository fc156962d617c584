// The committed JSON Schema equals the generated one, and the Markdown reference documents
// every key. On a schema mismatch the test writes config.schema.json.generated in its working
// directory: copy it to schemas/config.schema.json after checking the difference.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "daemon/config/config.hpp"
#include "daemon/config/config_keys.hpp"

using namespace relais::daemon;

TEST_CASE("schemas/config.schema.json equals the generated schema") {
  std::string generated = generate_config_schema();
  std::ifstream in(RELAIS_SOURCE_DIR "/schemas/config.schema.json", std::ios::binary);
  std::ostringstream committed;
  committed << in.rdbuf();
  if (committed.str() != generated) {
    std::ofstream("config.schema.json.generated", std::ios::binary) << generated;
    MESSAGE("schema differs; the generated one is in config.schema.json.generated:\n" << generated);
  }
  CHECK(committed.str() == generated);
}

TEST_CASE("the generated schema is JSON with every key, its default and bounds") {
  auto schema = boost::json::parse(generate_config_schema()).as_object();
  auto& properties = schema.at("properties").as_object();
  const auto& bytes = properties.at("mail").at("properties").at("max_message_bytes");
  CHECK(bytes.at("minimum").as_int64() == 1024);
  CHECK(bytes.at("maximum").as_int64() == 1073741824);
  CHECK(bytes.at("default").as_int64() == 26214400);
  const auto& tls = properties.at("mail").at("properties").at("relay").at("properties").at("tls");
  CHECK(tls.at("enum").as_array().size() == 3);
  CHECK(properties.at("channels").at("additionalProperties").at("allOf").as_array().size() == 6);
  CHECK(schema.at("additionalProperties").as_bool() == false);
}

TEST_CASE("the Markdown reference has a row per key and a section per channel type") {
  std::string reference = config_reference_markdown();
  for (const auto& spec : config_keys::keys()) {
    CHECK_MESSAGE(reference.find("| `" + std::string(spec.path) + "` |") != std::string::npos,
                  spec.path);
  }
  for (const auto& type : config_keys::channel_types()) {
    CHECK(reference.find("#### `type = \"" + std::string(type.name) + "\"`") != std::string::npos);
  }
  CHECK(
      reference.find("| `mail.max_message_bytes` | integer | `26214400` | 1024 to 1073741824 |") !=
      std::string::npos);
}
