// Context values follow the variables documented at the top of each template in
// etc/templates/fr/. Links carry a fresh token per referent mail (ARCHITECTURE "Security").
#include "daemon/mail_job.hpp"
#include "daemon/dashboard_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "connectors/email/message_builder.hpp"
#include "daemon/case_mail.hpp"
#include "daemon/held_mail.hpp"
#include "daemon/local_time.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/ascii.hpp"
#include "workflow/declaration.hpp"
#include "workflow/image_pipeline.hpp"
#include "workflow/sha256.hpp"
#include "workflow/text_length.hpp"
#include "workflow/video_probe.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace workflow;

namespace {

const char* color_of(Severity s) {
  switch (s) {
    case Severity::blocking:
      return "#b00020";
    case Severity::warning:
      return "#b26a00";
    case Severity::info:
      return "#1b5e20";
  }
  return "#000000";
}

const char* severity_label(Severity s, const std::string& lang) {
  const bool en = lang == "en";
  switch (s) {
    case Severity::blocking:
      return en ? "To fix" : "À corriger";
    case Severity::warning:
      return en ? "Worth knowing" : "À savoir";
    case Severity::info:
      return en ? "Information" : "Information";
  }
  return "";
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "relais.invalid" : address.substr(at + 1);
}

// Pictures in a notification: enough to judge at a glance, few enough to stay a light mail.
constexpr std::size_t kMaxPictures = 6;
constexpr int kPictureSide = 480;

}  // namespace

std::string referent_on_duty(Store& store, const ReferentConfig& r, TimePoint at) {
  if (r.backup_address.empty() || !store.absence_at(r.address, at) ||
      store.absence_at(r.backup_address, at))
    return r.address;
  return r.backup_address;
}

json::object request_context(const Request& r, const std::vector<MediaRow>& media,
                             const Services& s) {
  const auto& lang = r.language;
  json::object c;
  c["reference"] = r.reference;
  c["subject"] = r.subject;
  c["sender"] = r.sender;
  c["sender_name"] = r.sender_name.empty() ? r.sender : r.sender_name;
  c["received_at"] = format_local(r.created_at, lang);
  c["text"] = r.text;
  c["text_excerpt"] = workflow::shortened(r.text, 400);
  c["author"] = r.author;
  c["state"] = to_string(r.state);
  c["note"] = r.note;
  c["reason"] = r.note;
  json::array attachments;
  for (const auto& m : media) {
    attachments.push_back({{"name", m.filename.empty() ? "(sans nom)" : m.filename},
                           {"content_type", m.content_type},
                           {"consent_form", is_consent_form(m.filename, m.content_type)},
                           {"url", fmt::format("{}/m/{}", s.config.http.public_url, m.sha256)}});
  }
  c["attachment_count"] = media.size();
  c["attachments"] = std::move(attachments);
  json::array findings, missing;
  for (const auto& f : r.findings) {
    findings.push_back({{"code", f.code},
                        {"severity", to_string(f.severity)},
                        {"severity_label", severity_label(f.severity, lang)},
                        {"message", f.message},
                        {"color", color_of(f.severity)}});
    if (f.code.ends_with(".missing"))
      missing.push_back(json::object{{"message", f.message}});
  }
  c["findings"] = std::move(findings);
  c["missing"] = std::move(missing);
  json::array channels, posts, failed;
  for (const auto& ch : r.channels) {
    channels.push_back({{"name", ch.channel}, {"status", to_string(ch.status)}, {"url", ch.url}});
    if (!ch.url.empty())
      posts.push_back({{"channel", ch.channel}, {"url", ch.url}});
    if (ch.status == ChannelStatus::failed) {
      c["channel"] = ch.channel;
      c["error"] = ch.error;
      failed.push_back({{"channel", ch.channel}, {"error", ch.error}});
    }
  }
  if (channels.empty()) {
    for (const auto& name : s.engine.policy().default_channels)
      channels.push_back(json::object{{"name", name}});
  }
  c["channels"] = std::move(channels);
  c["posts"] = std::move(posts);
  c["failed"] = std::move(failed);
  if (r.publish_at) {
    c["scheduled_at"] = format_local(*r.publish_at, lang);
  }
  c["proposed_time"] = lang == "en" ? "as soon as approved" : "dès l'approbation";
  if (s.engine.policy().publish_delay.count() > 0) {
    const auto minutes = s.engine.policy().publish_delay.count();
    c["proposed_time"] = lang == "en" ? fmt::format("{} minutes after approval", minutes)
                                      : fmt::format("{} minutes après l'approbation", minutes);
  }
  c["how_to"] =
      lang == "en"
          ? "Reply to this mail with the corrected text, the missing lines (Author:, People:, "
            "Consent:, Date:) and the signed consent forms; photos attached to your reply "
            "replace the previous ones, so attach all those to publish. Or use the form below."
          : "Répondez à ce message avec le texte corrigé, les lignes qui manquent (Auteur :, "
            "Personnes :, Consentement :, Date :) et les autorisations signées ; les photos "
            "jointes à votre réponse remplacent les précédentes : joignez toutes celles à "
            "publier. Vous pouvez aussi utiliser le formulaire ci-dessous.";
  c["completion_url"] = "";
  return c;
}

MailJob prepare_mail(Store& store, const OutboxRow& row, const Services& s, TimePoint now) {
  MailJob job;
  boost::system::error_code ec;
  auto payload = json::parse(row.payload, ec);
  if (ec || !payload.is_object()) {
    job.skip_reason = "unreadable outbox payload";
    return job;
  }
  const auto& p = payload.as_object();
  auto str = [&](const char* key) {
    const auto* v = p.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  job.template_name = str("name");
  job.effect_key = row.effect_key;
  job.language = s.config.general.language;
  // Keyed, so that nobody can compute a notification's Message-ID without having received it:
  // an answer by mail in its thread then proves what the link would (daemon/mail_answers).
  job.message_id =
      connectors::email::make_message_id(workflow::hmac_sha256_hex(s.token_key, row.effect_key),
                                         domain_of(s.config.mail.from_address));
  const std::string recipient = str("recipient");
  job.request_id = row.request_id;

  if (p.contains("case_id")) {
    prepare_case_mail(store, p, job, s, now);
    return job;
  }
  if (!row.request_id) {  // a mail outside any request: its context travels in the payload
    if (const auto* ctx = p.if_contains("context"); ctx && ctx->is_object()) {
      job.context = ctx->as_object();
    }
    job.to = {recipient};
    if (job.template_name == "dashboard_login") {
      issue_login_link(store, job, s, now);
      return job;  // asked for now: never held
    }
    job.held_until = hold_until(s.working_time, job, now);
    return job;
  }
  auto request = store.load_request(*row.request_id);
  if (!request) {
    job.skip_reason = "the request no longer exists";
    return job;
  }
  job.request_id = request->id;
  job.version = request->version;
  if (const auto* v = p.if_contains("version"); v && v->is_int64())
    job.version = v->as_int64();
  job.language = request->language;
  job.context = request_context(*request, store.media_of(request->id), s);
  if (const auto* extra = p.if_contains("context"); extra && extra->is_object()) {
    for (const auto& [k, v] : extra->as_object())
      job.context[k] = v;
  }
  if (!request->thread_id.empty()) {
    job.in_reply_to = request->thread_id;
    job.references = {request->thread_id};
  }
  const auto& referent = s.config.referent;
  if (recipient == "agent") {
    job.to = {request->sender};
  } else if (recipient == "referent") {
    job.to = {referent_on_duty(store, referent, now)};
  } else if (recipient == "escalation") {
    // The backup, or the admin when the backup is the one on duty already.
    const std::string on_duty = referent_on_duty(store, referent, now);
    const std::string& to =
        iequals(on_duty, referent.address) ? referent.backup_address : referent.admin_address;
    if (to.empty() || iequals(to, on_duty)) {
      job.obsolete = true;  // nobody above the one already asked
      return job;
    }
    job.to = {to};
    const bool referent_asked = iequals(on_duty, referent.address) && !referent.name.empty();
    job.context["escalated"] =
        json::object{{"name", referent_asked ? referent.name : on_duty},
                     {"hours", s.config.referent.escalate_after_working_hours}};
  } else {
    job.to = {recipient};
  }
  if (job.template_name == "referent_reminder" || job.template_name == "referent_escalation") {
    job.follow_up = true;
    if (job.template_name == "referent_reminder")
      job.context["reminder"] = true;
    job.template_name = "referent_request";
    if (job.version != request->version) {
      job.obsolete = true;  // the request was sent again since: that mail has its own
      return job;
    }
  }
  if (job.template_name == "referent_request" &&
      (request->state != State::awaiting_approval || job.version != request->version)) {
    job.obsolete = true;  // decided (or sent back) while this mail waited
    return job;
  }
  if ((job.held_until = hold_until(s.working_time, job, now)))
    return job;  // no link issued: they are issued when it goes

  if (job.template_name == "referent_request") {
    const std::int64_t version = job.version;
    auto token = issue_token(random_token_bytes(), request->id, job.to.front(),
                             "approve,request_changes,reject", version,
                             now + std::chrono::hours(s.config.workflow.link_ttl_hours));
    store.insert_token(token.row);
    job.token_hash = token.row.hash;
    for (const auto& m : store.media_of(request->id)) {
      const bool video = m.content_type.starts_with("video/");
      if ((!m.content_type.starts_with("image/") && !video) ||
          is_consent_form(m.filename, m.content_type) || job.pictures.size() >= kMaxPictures)
        continue;
      job.pictures.push_back({m.sha256, m.filename,
                              fmt::format("p{}.{}@{}", m.position, request->reference,
                                          domain_of(s.config.mail.from_address)),
                              video});
    }
    const std::string base = fmt::format("{}/a/{}", s.config.http.public_url, token.raw);
    job.context["approve_url"] = base + "?action=approve";
    job.context["changes_url"] = base + "?action=request_changes";
    job.context["reject_url"] = base + "?action=reject";
    job.context["open_url"] = base;
  }
  if (job.template_name == "publish_failed") {
    if (!s.config.referent.admin_address.empty() && recipient == "referent")
      job.to.push_back(s.config.referent.admin_address);
    // Not bound to the request's version: the other channels' results come after this mail.
    auto token =
        issue_token(random_token_bytes(), request->id, job.to.front(), "retry,cancel", kAnyVersion,
                    now + std::chrono::hours(s.config.workflow.link_ttl_hours));
    store.insert_token(token.row);
    const std::string base = fmt::format("{}/a/{}", s.config.http.public_url, token.raw);
    job.context["retry_url"] = base + "?action=retry";
    job.context["open_url"] = base;
  }
  if (job.template_name == "needs_changes") {
    auto token =
        issue_token(random_token_bytes(), request->id, request->sender, "complete",
                    request->version, now + std::chrono::hours(s.config.workflow.link_ttl_hours));
    store.insert_token(token.row);
    job.context["completion_url"] = fmt::format("{}/c/{}", s.config.http.public_url, token.raw);
  }
  return job;
}

Result<connectors::OutgoingMail> render_mail_job(const MailJob& job, const Services& s) {
  connectors::email::MailParts parts;
  json::object context = job.context;
  json::array thumbnails;
  for (const auto& p : job.pictures) {
    Result<std::string> small = permanent("not read");
    if (p.video) {
      small = video_poster(s.media.path_of(p.sha256).string(), kPictureSide);
    } else if (auto bytes = s.media.get(p.sha256)) {
      small = make_thumbnail(*bytes, kPictureSide,
                             {s.config.images.max_pixels, s.config.mail.max_message_bytes});
    }
    if (!small) {  // the mail goes without that picture; the page shows the file
      spdlog::warn("mail picture skipped request_id={} error=\"{}\"", job.request_id.value_or(0),
                   small.error().message);
      continue;
    }
    parts.inline_images.push_back({p.content_id, "image/jpeg",
                                   p.filename.empty() ? "photo.jpg" : p.filename + ".jpg",
                                   std::move(*small)});
    thumbnails.push_back({{"cid", p.content_id},
                          {"name", p.filename.empty() ? "photo" : p.filename},
                          {"video", p.video}});
  }
  if (!thumbnails.empty())
    context["thumbnails"] = std::move(thumbnails);
  parts.from = s.config.mail.from_address;
  parts.from_name = s.config.mail.from_name;
  parts.to = job.to;
  parts.message_id = job.message_id;
  parts.in_reply_to = job.in_reply_to;
  parts.references = job.references;
  if (auto r = connectors::email::render_mail(s.templates, job.language, job.template_name,
                                              json::value(context), parts);
      !r) {
    return r.error();
  }
  return connectors::email::build_message(parts);
}

}  // namespace relais::daemon
