#include "connectors/webhook/chat_message.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "connectors/http/retry_hint.hpp"
#include "workflow/base64.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::chat {
namespace json = boost::json;

namespace {

// Incoming webhooks take about 28 KB; a picture larger than this is left out, never the card.
constexpr std::size_t kMaxPictureBytes = 16 * 1024;

// Slack's and Mattermost's markup: &, < and > are the only characters to escape in text
// (https://api.slack.com/reference/surfaces/formatting#escaping).
std::string slack_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

// Markdown link text: brackets would end it early.
std::string markdown_label(std::string_view s) {
  std::string out;
  for (char c : s)
    out += (c == '[' || c == ']') ? '(' : c;
  return out;
}

// At most `max` code points, never cut inside one.
std::string utf8_prefix(std::string_view s, std::size_t max) {
  std::size_t i = 0, n = 0;
  while (i < s.size() && n < max) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
      ++i;
    ++n;
  }
  return std::string(s.substr(0, i));
}

// Mattermost's Markdown: what someone else wrote shows as written, never as a link, a mention
// or formatting.
std::string markdown_text(std::string_view s) {
  std::string out;
  for (char c : slack_escape(s)) {
    if (std::string_view("\\[]()*_~`#@|").find(c) != std::string_view::npos)
      out += '\\';
    out += c;
  }
  return out;
}

std::string excerpt(const std::string& body) {
  std::string s = body.substr(0, 300);
  for (char& c : s) {
    if (c == '\r' || c == '\n')
      c = ' ';
  }
  return s;
}

}  // namespace

std::optional<ChatKind> parse_chat_kind(std::string_view text) {
  if (text == "teams")
    return ChatKind::teams;
  if (text == "mattermost")
    return ChatKind::mattermost;
  if (text == "slack")
    return ChatKind::slack;
  return std::nullopt;
}

std::string teams_payload(const ChatMessage& m) {
  json::array body;
  body.push_back({{"type", "TextBlock"},
                  {"text", m.title},
                  {"weight", "Bolder"},
                  {"size", "Medium"},
                  {"wrap", true}});
  if (!m.summary.empty())
    body.push_back({{"type", "TextBlock"}, {"text", m.summary}, {"wrap", true}});
  if (!m.picture_jpeg.empty() && m.picture_jpeg.size() <= kMaxPictureBytes) {
    body.push_back({{"type", "Image"},
                    {"url", "data:image/jpeg;base64," + workflow::base64(m.picture_jpeg)},
                    {"altText", m.picture_alt},
                    {"size", "Large"}});
  }
  if (!m.facts.empty()) {
    json::array facts;
    for (const auto& [title, value] : m.facts)
      facts.push_back({{"title", title}, {"value", value}});
    body.push_back({{"type", "FactSet"}, {"facts", std::move(facts)}});
  }
  if (!m.text_excerpt.empty()) {
    body.push_back(
        {{"type", "TextBlock"}, {"text", m.text_excerpt}, {"wrap", true}, {"isSubtle", true}});
  }
  json::array actions;
  for (const auto& l : m.links) {
    json::object a{{"type", "Action.OpenUrl"}, {"title", l.label}, {"url", l.url}};
    if (l.primary)
      a["style"] = "positive";
    actions.push_back(std::move(a));
  }
  json::object card{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                    {"type", "AdaptiveCard"},
                    {"version", "1.4"},
                    {"body", std::move(body)},
                    {"actions", std::move(actions)}};
  json::object attachment{{"contentType", "application/vnd.microsoft.card.adaptive"},
                          {"contentUrl", nullptr},
                          {"content", std::move(card)}};
  return json::serialize(
      json::object{{"type", "message"}, {"attachments", json::array{std::move(attachment)}}});
}

std::string slack_payload(const ChatMessage& m) {
  json::array blocks;
  blocks.push_back({{"type", "header"},
                    {"text", {{"type", "plain_text"}, {"text", utf8_prefix(m.title, 150)}}}});
  std::string section = slack_escape(m.summary);
  for (const auto& [title, value] : m.facts)
    section += fmt::format("\n*{}* : {}", slack_escape(title), slack_escape(value));
  if (!m.text_excerpt.empty())
    section += "\n>" + slack_escape(m.text_excerpt);
  blocks.push_back(
      {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", utf8_prefix(section, 2900)}}}});
  json::array buttons;
  for (const auto& l : m.links) {
    json::object b{
        {"type", "button"}, {"text", {{"type", "plain_text"}, {"text", l.label}}}, {"url", l.url}};
    if (l.primary)
      b["style"] = "primary";
    buttons.push_back(std::move(b));
  }
  if (!buttons.empty())
    blocks.push_back({{"type", "actions"}, {"elements", std::move(buttons)}});
  // `text` is what notifications and old clients show.
  return json::serialize(json::object{{"text", slack_escape(m.title)}, {"blocks", blocks}});
}

std::string mattermost_payload(const ChatMessage& m) {
  std::string text = fmt::format("#### {}\n{}", markdown_text(m.title), markdown_text(m.summary));
  for (const auto& [title, value] : m.facts)
    text += fmt::format("\n**{}** : {}", markdown_text(title), markdown_text(value));
  if (!m.text_excerpt.empty())
    text += "\n> " + markdown_text(m.text_excerpt);
  std::string links;
  for (const auto& l : m.links)
    links += fmt::format("{}[{}]({})", links.empty() ? "" : " · ", markdown_label(l.label), l.url);
  if (!links.empty())
    text += "\n\n" + links;
  return json::serialize(json::object{{"text", text}});
}

std::string chat_payload(ChatKind kind, const ChatMessage& m) {
  switch (kind) {
    case ChatKind::teams:
      return teams_payload(m);
    case ChatKind::slack:
      return slack_payload(m);
    case ChatKind::mattermost:
      return mattermost_payload(m);
  }
  return {};
}

Result<void> post_chat(http::Client& client, ChatKind kind, const std::string& url,
                       const ChatMessage& m) {
  http::Request r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = chat_payload(kind, m);
  auto answer = client.send(r);
  if (!answer)
    return answer.error();
  if (answer->status >= 200 && answer->status <= 299)
    return {};
  const std::string said = excerpt(answer->body);
  if (answer->status == 429 || answer->status >= 500) {
    Error e = transient(
        fmt::format("The chat webhook is busy or failing (HTTP {}: {}).", answer->status, said));
    e.retry_after = http::retry_hint(*answer, workflow::wall_now());
    return e;
  }
  return permanent(
      fmt::format("The chat webhook refused the message (HTTP {}: {}); check its URL "
                  "file and that the webhook still exists.",
                  answer->status, said));
}

}  // namespace relais::connectors::chat
