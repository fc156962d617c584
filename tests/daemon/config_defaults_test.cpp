// The embedded default configuration: it loads, holds the values SPEC section 4 fixes, equals
// etc/relais.toml byte for byte, names every key of the table, and equals what an empty file
// gives (so the key table's defaults and the documented file agree).
#include <doctest/doctest.h>

#include <toml++/toml.h>
#include <fstream>
#include <sstream>

#include "config_test_support.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/config_keys.hpp"

using namespace relais::daemon;
using relais::daemon::test::must_load;
using relais::daemon::test::problems_of;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("the embedded default equals etc/relais.toml byte for byte") {
  std::string file = read_file(RELAIS_SOURCE_DIR "/etc/relais.toml");
  CHECK(file.size() == embedded_default_config().size());
  CHECK(file == embedded_default_config());
}

TEST_CASE("the embedded default holds the values of SPEC section 4") {
  Config c = must_load(embedded_default_config(), embedded_default_name);
  CHECK(c.source == "<embedded default>");
  CHECK(c.general.state_dir == "var");
  CHECK(c.general.timezone == "Europe/Paris");
  CHECK(c.general.language == "fr");
  CHECK(c.general.templates_dir == "etc/templates");
  CHECK(c.general.lexicons_dir == "etc/lexicons");
  CHECK(c.general.log_level == "info");
  CHECK(c.http.listen == "127.0.0.1:8080");
  CHECK(c.http.public_url == "http://127.0.0.1:8080");
  CHECK(c.mail.submission_address == "publications@example.org");
  CHECK(c.mail.takedown_address == "droit-image@example.org");
  CHECK(c.mail.from_address == "publications@example.org");
  CHECK(c.mail.from_name == "relais — publications");
  CHECK(c.mail.allowed_senders == std::vector<std::string>{"example.org"});
  CHECK(c.mail.max_message_bytes == 26214400);
  CHECK(c.mail.max_recipients == 10);
  CHECK(c.mail.smtp_listen == "127.0.0.1:2525");
  CHECK(c.mail.lmtp_listen.empty());
  CHECK(c.relay.host.empty());
  CHECK(c.relay.port == 587);
  CHECK(c.relay.tls == "starttls");
  CHECK(c.relay.username.empty());
  CHECK(c.relay.password_file.empty());
  CHECK(c.relay.timeout_seconds == 30);
  CHECK(c.referent.address == "referent@example.org");
  CHECK(c.referent.name == "Référent réseaux sociaux");
  CHECK(c.referent.backup_address == "suppleant@example.org");
  CHECK(c.workflow.default_channels == std::vector<std::string>{"site"});
  CHECK(c.workflow.publish_delay_minutes == 0);
  CHECK(c.workflow.needs_changes_expiry_days == 14);
  CHECK(c.workflow.approval_expiry_days == 14);
  CHECK(c.workflow.link_ttl_hours == 168);
  CHECK(c.security.token_key_file.empty());
  CHECK(c.outbox.max_attempts == 12);
  CHECK(c.outbox.backoff_initial_seconds == 5);
  CHECK(c.outbox.backoff_max_seconds == 3600);
  REQUIRE(c.channels.size() == 1);
  const ChannelConfig* site = find_channel(c, "site");
  REQUIRE(site != nullptr);
  CHECK(site->type == "site");
  CHECK(site->settings.at("dir") == "var/site");
  CHECK(site->settings.at("title") == "Actualités");
  CHECK(site->settings.at("public_url") == "http://127.0.0.1:8080/site/");
  CHECK(find_channel(c, "facebook") == nullptr);
}

TEST_CASE("etc/relais.toml loads from its file, with the file name as source") {
  auto result = load_config_file(RELAIS_SOURCE_DIR "/etc/relais.toml");
  REQUIRE(std::holds_alternative<Config>(result));
  CHECK(std::get<Config>(result).source == RELAIS_SOURCE_DIR "/etc/relais.toml");
}

TEST_CASE("every key of the table is written in the embedded default with its default value") {
  toml::table root = toml::parse(embedded_default_config());
  for (const auto& spec : config_keys::keys()) {
    CAPTURE(spec.path);
    const toml::node* node = root.at_path(spec.path).node();
    REQUIRE(node != nullptr);
    const auto& expected = spec.default_value;
    if (const auto* text = std::get_if<std::string>(&expected)) {
      CHECK(node->value<std::string>() == *text);
    } else if (const auto* number = std::get_if<std::int64_t>(&expected)) {
      CHECK(node->value<std::int64_t>() == *number);
    } else if (const auto* flag = std::get_if<bool>(&expected)) {
      CHECK(node->value<bool>() == *flag);
    } else {
      const auto& items = std::get<std::vector<std::string>>(expected);
      REQUIRE(node->is_array());
      REQUIRE(node->as_array()->size() == items.size());
      for (std::size_t i = 0; i < items.size(); ++i) {
        CHECK(node->as_array()->at(i).value<std::string>() == items[i]);
      }
    }
  }
  const toml::table* site = root.at_path("channels.site").as_table();
  REQUIRE(site != nullptr);
  for (const auto& spec : config_keys::find_channel_type("site")->keys) {
    CHECK_MESSAGE(site->contains(spec.path), spec.path);
  }
}

TEST_CASE("an empty file gives the same configuration as the embedded default") {
  Config empty = must_load("", "empty.toml");
  Config builtin = must_load(embedded_default_config(), embedded_default_name);
  CHECK(empty.general.state_dir == builtin.general.state_dir);
  CHECK(empty.mail.allowed_senders == builtin.mail.allowed_senders);
  CHECK(empty.mail.max_message_bytes == builtin.mail.max_message_bytes);
  CHECK(empty.relay.port == builtin.relay.port);
  CHECK(empty.referent.name == builtin.referent.name);
  CHECK(empty.workflow.default_channels == builtin.workflow.default_channels);
  CHECK(empty.outbox.backoff_max_seconds == builtin.outbox.backoff_max_seconds);
  REQUIRE(empty.channels.size() == builtin.channels.size());
  CHECK(empty.channels[0].name == builtin.channels[0].name);
  CHECK(empty.channels[0].settings == builtin.channels[0].settings);
  CHECK(empty.source == "empty.toml");
}

TEST_CASE("a file may override a few keys and keep the defaults of the others") {
  Config c = must_load(R"(
[mail]
max_message_bytes = 1048576
allowed_senders = ["example.org", "chef@partenaire.example"]
lmtp_listen = "unix:/run/relais/lmtp"

[mail.relay]
host = "127.0.0.1"
tls = "none"
)",
                       "few.toml");
  CHECK(c.mail.max_message_bytes == 1048576);
  CHECK(c.mail.allowed_senders.size() == 2);
  CHECK(c.mail.lmtp_listen == "unix:/run/relais/lmtp");
  CHECK(c.relay.tls == "none");
  CHECK(c.relay.port == 587);
  CHECK(c.mail.max_recipients == 10);
}

TEST_CASE("format_problem writes file, line, key and message") {
  CHECK(format_problem({"relais.toml", "mail.max_message_bytes", 12,
                        "must be between 1024 and 1073741824 (got 12)"}) ==
        "relais.toml:12: mail.max_message_bytes: must be between 1024 and 1073741824 (got 12)");
  CHECK(format_problem({"relais.toml", "", 0, "is a directory, not a file"}) ==
        "relais.toml: is a directory, not a file");
}
