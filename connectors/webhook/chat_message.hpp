// A chat notification (SPEC 3.3): a request awaiting a decision, told in a Microsoft Teams
// channel (an Adaptive Card, through an incoming webhook or a Workflows webhook), or through a
// Mattermost or Slack incoming webhook. The buttons only open relais's pages: the decision is
// taken there, by a person, with a POST (a chat's link preview follows links).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/http/http_client.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::chat {

enum class ChatKind { teams, mattermost, slack };
std::optional<ChatKind> parse_chat_kind(std::string_view text);

struct ChatLink {
  std::string label;  // "Approuver"
  std::string url;
  bool primary = false;  // the action most people take: shown first, emphasised
};

struct ChatMessage {
  std::string title;    // "[PUB-2026-0042] À valider : Fête de quartier"
  std::string summary;  // one or two sentences
  std::vector<std::pair<std::string, std::string>> facts;  // ("Envoyée par", "…")
  std::string text_excerpt;                                // the proposed text, shortened
  std::string picture_jpeg;  // a small JPEG (Teams shows it as a data: URI); may be empty
  std::string picture_alt;
  std::vector<ChatLink> links;
};

// The JSON body each kind of webhook takes.
std::string teams_payload(const ChatMessage& m);       // {"type":"message","attachments":[card]}
std::string slack_payload(const ChatMessage& m);       // text + Block Kit blocks with link buttons
std::string mattermost_payload(const ChatMessage& m);  // Markdown text with the links
std::string chat_payload(ChatKind kind, const ChatMessage& m);

// Posts `m` to the webhook `url`. 2xx is done; 429 and 5xx are transient (with the server's
// Retry-After); any other answer is permanent, with the server's words.
Result<void> post_chat(http::Client& client, ChatKind kind, const std::string& url,
                       const ChatMessage& m);

}  // namespace relais::connectors::chat
