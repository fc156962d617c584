// Chat notifications from the outbox (connectors/webhook/chat_message): after a decision
// request mail went out in someone's working hours, each [chat.NAME] that follows that person
// gets a card with the request and buttons to its approval page, through its own link token.
#pragma once

#include <string>

#include "connectors/http/http_client.hpp"
#include "connectors/webhook/chat_message.hpp"
#include "daemon/mail_job.hpp"

namespace relais::daemon {

// In the writer, after `sent` went: one chat row per chat that follows its recipient.
void enqueue_chats(workflow::Store& store, const MailJob& sent, const Services& s,
                   workflow::TimePoint at);

struct ChatJob {
  std::string chat;  // its [chat.NAME]
  connectors::chat::ChatKind kind = connectors::chat::ChatKind::teams;
  std::string url_file;
  connectors::chat::ChatMessage message;
  std::string picture_sha256;  // made small when sent
  bool picture_is_video = false;
  bool obsolete = false;    // the request was decided meanwhile: nothing to say
  std::string skip_reason;  // a chat no longer configured...
};

// In the writer: the message and its links (a token is issued).
ChatJob prepare_chat(workflow::Store& store, const workflow::OutboxRow& row, const Services& s,
                     workflow::TimePoint now);

// On the worker pool: the picture, the URL from its file, the POST.
Result<void> send_chat(ChatJob& job, const Services& s, connectors::http::Client& client);

}  // namespace relais::daemon
