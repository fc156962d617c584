// The sections of named tables, and the keys of people and chat targets. Hooks' keys are in
// config_hook.cpp.
#include "daemon/config/config_keys.hpp"

namespace relais::daemon::config_keys {

const ChannelType& person_type() {
  using T = KeyType;
  static const ChannelType type{
      "person",
      "A person's own settings (NAME: a-z, 0-9, `_`, `-`): the referent, the backup, an agent.",
      {
          {.path = "address",
           .type = T::email,
           .default_value = "",
           .help = "The person's mail address.",
           .required = true},
          {.path = "working_hours",
           .type = T::string,
           .default_value = "",
           .help = "Their working hours, in the form of working_hours.default; empty: "
                   "working_hours.default.",
           .allow_empty = true},
      }};
  return type;
}

const ChannelType& chat_type() {
  using T = KeyType;
  static const ChannelType type{
      "chat",
      "A chat channel told of each request awaiting a decision, with a link to its approval "
      "page (NAME: a-z, 0-9, `_`, `-`).",
      {
          {.path = "kind",
           .type = T::enumeration,
           .default_value = "",
           .help = "teams (an incoming webhook or a Workflows webhook taking an Adaptive "
                   "Card), mattermost or slack (incoming webhooks).",
           .allowed = {"teams", "mattermost", "slack"},
           .required = true},
          {.path = "url_file",
           .type = T::secret_file,
           .default_value = "",
           .help = "File holding the incoming webhook's URL (it is a secret: whoever has it "
                   "can post). https, or http to a loopback host.",
           .required = true},
          {.path = "people",
           .type = T::sender_list,
           .default_value = std::vector<std::string>{},
           .help = "Whose notifications go there: addresses (a person's chat) or domains; "
                   "empty: every request awaiting a decision (a team's chat).",
           .allow_empty = true},
      }};
  return type;
}

const std::vector<NamedSection>& named_sections() {
  static const std::vector<NamedSection> all{
      {"hooks", "a hook", "Hooks",
       "One `[hooks.NAME]` table per signed inbound webhook, called as `POST /hooks/NAME`. "
       "None: /hooks/ answers 404.",
       &hook_type, [](Config& c) -> std::vector<ChannelConfig>& { return c.hooks; }},
      {"people", "a person", "People",
       "One `[people.NAME]` table per person with settings of their own (working hours). "
       "Everyone else has the defaults.",
       &person_type, [](Config& c) -> std::vector<ChannelConfig>& { return c.people; }},
      {"chat", "a chat", "Chat notifications",
       "One `[chat.NAME]` table per chat channel (Microsoft Teams, Mattermost, Slack) told of "
       "requests awaiting a decision. The message is held outside the people's working hours "
       "like mail. None: mail only.",
       &chat_type, [](Config& c) -> std::vector<ChannelConfig>& { return c.chats; }},
  };
  return all;
}

const NamedSection* find_named_section(std::string_view section) {
  for (const auto& n : named_sections()) {
    if (n.section == section)
      return &n;
  }
  return nullptr;
}

}  // namespace relais::daemon::config_keys
