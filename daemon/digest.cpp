#include "daemon/digest.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "connectors/email/message_builder.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;
using workflow::TimePoint;

namespace {

// Out of the queue while the digest that carries it is being sent; the digest completes it.
constexpr auto kInDigest = std::chrono::days(365);

}  // namespace

std::vector<DigestItem> gather_digest(Store& store, const workflow::OutboxRow& lead,
                                      const MailJob& lead_job, const Services& s, TimePoint now) {
  std::vector<DigestItem> out;
  for (const auto& row : store.held_due(lead.held_for, lead.id, now)) {
    if (row.id == lead.id)
      continue;
    MailJob job = prepare_mail(store, row, s, now);
    if (job.obsolete) {
      store.complete_outbox(row.id, now);
      continue;
    }
    if (job.held_until || !job.skip_reason.empty() || job.to != lead_job.to) {
      store.leave_digest(row.id, now);  // its own way: held again, refused or someone else
      continue;
    }
    store.join_digest(row.id, lead.id, now + kInDigest);
    out.push_back({row.id, std::move(job)});
  }
  return out;
}

Result<connectors::OutgoingMail> render_digest(const MailJob& lead, std::vector<DigestItem>& others,
                                               const Services& s) {
  json::array items;
  auto add = [&](const MailJob& job) -> Result<void> {
    connectors::email::MailParts parts;
    if (auto r = connectors::email::render_mail(s.templates, job.language, job.template_name,
                                                json::value(job.context), parts);
        !r) {
      return r.error();
    }
    json::object item = job.context;
    item["item_subject"] = parts.subject;
    item["item_text"] = parts.text;
    items.push_back(std::move(item));
    return {};
  };
  if (auto r = add(lead); !r)
    return r.error();
  for (auto& o : others) {
    if (auto r = add(o.job); !r) {
      o.left_out = true;
      spdlog::warn("digest item left out effect={} template={} error=\"{}\"", o.job.effect_key,
                   o.job.template_name, r.error().message);
    }
  }
  connectors::email::MailParts parts;
  parts.from = s.config.mail.from_address;
  parts.from_name = s.config.mail.from_name;
  parts.to = lead.to;
  parts.message_id = lead.message_id;
  const json::object ctx{{"count", items.size()}, {"items", std::move(items)}};
  if (auto r = connectors::email::render_mail(s.templates, lead.language, "digest", ctx, parts); !r)
    return r.error();
  return connectors::email::build_message(parts);
}

void schedule_follow_ups(Store& store, const MailJob& sent, const Services& s, TimePoint sent_at) {
  if (sent.template_name != "referent_request" || !sent.request_id || sent.follow_up ||
      sent.to.empty())
    return;
  const auto& r = s.config.referent;
  struct FollowUp {
    const char* key;
    const char* name;
    const char* recipient;
    int hours;
  };
  for (const FollowUp& f :
       {FollowUp{"remind", "referent_reminder", "referent", r.remind_after_working_hours},
        FollowUp{"escalate", "referent_escalation", "escalation",
                 r.escalate_after_working_hours}}) {
    const bool escalation_first = f.key == std::string_view("remind") &&
                                  r.escalate_after_working_hours > 0 &&
                                  f.hours >= r.escalate_after_working_hours;
    if (f.hours <= 0 || escalation_first)
      continue;
    workflow::OutboxRow row;
    row.request_id = sent.request_id;
    row.effect_key = fmt::format("{}:{}:{}", f.key, *sent.request_id, sent.version);
    row.kind = workflow::EffectKind::mail;
    row.payload = json::serialize(
        json::object{{"name", f.name}, {"recipient", f.recipient}, {"version", sent.version}});
    row.due_at = s.working_time.after_working_hours(sent.to.front(), sent_at, f.hours);
    store.enqueue(row);  // once per version: the key is unique
  }
}

}  // namespace relais::daemon
