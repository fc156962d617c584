#include "daemon/chat_job.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "daemon/local_time.hpp"
#include "daemon/secret_file.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/ascii.hpp"
#include "workflow/declaration.hpp"
#include "workflow/image_pipeline.hpp"
#include "workflow/loopback.hpp"
#include "workflow/text_length.hpp"
#include "workflow/video_probe.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace workflow;

namespace {

constexpr int kPictureSide = 240;  // a card's picture: small enough for the webhook's limit

const ChannelConfig* chat_named(const Config& c, std::string_view name) {
  for (const auto& chat : c.chats) {
    if (chat.name == name)
      return &chat;
  }
  return nullptr;
}

// Whether a chat follows `address`: it names nobody (a team's), the address or its domain.
bool follows(const ChannelConfig& chat, std::string_view address) {
  const auto people = chat.list("people");
  if (people.empty())
    return true;
  const std::string who = lower(address);
  const auto at = who.rfind('@');
  const std::string domain = at == std::string::npos ? "" : who.substr(at + 1);
  return std::any_of(people.begin(), people.end(),
                     [&](const std::string& p) { return p == who || p == domain; });
}

std::string findings_summary(const Request& r, bool en) {
  int blocking = 0, warnings = 0;
  for (const auto& f : r.findings) {
    blocking += f.severity == Severity::blocking;
    warnings += f.severity == Severity::warning;
  }
  if (blocking == 0 && warnings == 0)
    return en ? "nothing found" : "aucun point relevé";
  if (en)
    return fmt::format("{} to fix, {} worth knowing", blocking, warnings);
  return fmt::format("{} à corriger, {} à savoir", blocking, warnings);
}

}  // namespace

void enqueue_chats(Store& store, const MailJob& sent, const Services& s, TimePoint at) {
  if (sent.template_name != "referent_request" || !sent.request_id || sent.to.empty())
    return;
  for (const auto& chat : s.config.chats) {
    if (!follows(chat, sent.to.front()))
      continue;
    OutboxRow row;
    row.request_id = sent.request_id;
    row.effect_key = fmt::format("chat:{}:{}", chat.name, sent.effect_key);
    row.kind = EffectKind::chat;
    json::object payload{{"chat", chat.name},
                         {"recipient", sent.to.front()},
                         {"version", sent.version},
                         {"reminder", sent.context.contains("reminder")},
                         {"escalated", sent.context.contains("escalated")}};
    row.payload = json::serialize(payload);
    row.due_at = at;
    store.enqueue(row);
  }
}

ChatJob prepare_chat(Store& store, const OutboxRow& row, const Services& s, TimePoint now) {
  ChatJob job;
  boost::system::error_code ec;
  const auto payload = json::parse(row.payload, ec);
  const auto* p = payload.if_object();
  if (ec || !p || !row.request_id) {
    job.skip_reason = "unreadable outbox payload";
    return job;
  }
  auto str = [&](const char* key) {
    const auto* v = p->if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto flag = [&](const char* key) {
    const auto* v = p->if_contains(key);
    return v && v->is_bool() && v->as_bool();
  };
  job.chat = str("chat");
  const ChannelConfig* chat = chat_named(s.config, job.chat);
  if (!chat) {
    job.skip_reason = fmt::format("chat {} is no longer configured", job.chat);
    return job;
  }
  job.kind = connectors::chat::parse_chat_kind(chat->settings.at("kind"))
                 .value_or(connectors::chat::ChatKind::teams);
  job.url_file = chat->settings.at("url_file");
  const auto request = store.load_request(*row.request_id);
  std::int64_t version = 0;
  if (const auto* v = p->if_contains("version"); v && v->is_int64())
    version = v->as_int64();
  if (!request || request->state != State::awaiting_approval || request->version != version) {
    job.obsolete = true;
    return job;
  }
  const Request& r = *request;
  const bool en = r.language == "en";
  const std::string recipient = str("recipient");
  auto token = issue_token(random_token_bytes(), r.id, recipient, "approve,request_changes,reject",
                           version, now + std::chrono::hours(s.config.workflow.link_ttl_hours));
  store.insert_token(token.row);
  const std::string base = fmt::format("{}/a/{}", s.config.http.public_url, token.raw);

  auto& m = job.message;
  const std::string prefix = flag("escalated")  ? (en ? "Undecided: " : "Sans décision : ")
                             : flag("reminder") ? (en ? "Reminder: " : "Rappel : ")
                                                : "";
  m.title = fmt::format("[{}] {}{}{}", r.reference, prefix,
                        en ? "For approval: " : "À valider : ", r.subject);
  m.summary = en ? "A publication request is waiting for a decision."
                 : "Une demande de publication attend une décision.";
  std::string channels;
  for (const auto& c : r.channels)
    channels += (channels.empty() ? "" : ", ") + c.channel;
  if (channels.empty()) {
    for (const auto& c : s.engine.policy().default_channels)
      channels += (channels.empty() ? "" : ", ") + c;
  }
  m.facts = {{en ? "Sent by" : "Envoyée par", r.sender_name.empty() ? r.sender : r.sender_name},
             {en ? "Received" : "Reçue le", format_local(r.created_at, r.language)},
             {en ? "Channels" : "Réseaux", channels},
             {en ? "Checks" : "Vérifications", findings_summary(r, en)}};
  m.text_excerpt = workflow::shortened(r.text, 280);
  m.links = {{en ? "Approve" : "Approuver", base + "?action=approve", true},
             {en ? "Request changes" : "Demander des modifications",
              base + "?action=request_changes", false},
             {en ? "Reject" : "Refuser", base + "?action=reject", false},
             {en ? "Open" : "Ouvrir", base, false}};
  for (const auto& media : store.media_of(r.id)) {
    const bool video = media.content_type.starts_with("video/");
    if ((media.content_type.starts_with("image/") || video) &&
        !is_consent_form(media.filename, media.content_type)) {
      job.picture_sha256 = media.sha256;
      job.picture_is_video = video;
      m.picture_alt = media.filename;
      break;
    }
  }
  return job;
}

Result<void> send_chat(ChatJob& job, const Services& s, connectors::http::Client& client) {
  auto url = read_secret(job.url_file);
  if (!url)
    return transient(fmt::format("chat {}: its url_file cannot be read", job.chat));
  const std::string u(trim(*url));
  const auto parsed = boost::urls::parse_absolute_uri(u);
  const bool https = parsed && parsed->scheme() == "https" && !parsed->host().empty();
  const bool local_http =
      parsed && parsed->scheme() == "http" && is_loopback_host(std::string(parsed->host()));
  if (!https && !local_http) {
    return permanent(fmt::format(
        "chat {}: its url_file must hold an https URL (http only to this machine)", job.chat));
  }
  if (!job.picture_sha256.empty()) {
    Result<std::string> small = permanent("");
    if (job.picture_is_video) {
      small = video_poster(s.media.path_of(job.picture_sha256).string(), kPictureSide);
    } else if (auto bytes = s.media.get(job.picture_sha256)) {
      small = make_thumbnail(*bytes, kPictureSide,
                             {s.config.images.max_pixels, s.config.mail.max_message_bytes});
    }
    if (small)
      job.message.picture_jpeg = std::move(*small);
  }
  return connectors::chat::post_chat(client, job.kind, u, job.message);
}

}  // namespace relais::daemon
