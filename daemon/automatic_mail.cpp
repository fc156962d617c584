#include "daemon/automatic_mail.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "connectors/email/inbound_report.hpp"
#include "daemon/absence.hpp"
#include "daemon/local_time.hpp"
#include "daemon/mail_answers.hpp"
#include "daemon/mail_job.hpp"
#include "workflow/ascii.hpp"
#include "workflow/auto_reply.hpp"

namespace relais::daemon {
namespace email = connectors::email;
namespace json = boost::json;
using workflow::TimePoint;

namespace {

constexpr int kMaxAlertsPerReport = 5;

void enqueue_mail(workflow::Store& store, std::string key, std::optional<std::int64_t> request,
                  json::object payload, TimePoint at) {
  workflow::OutboxRow row;
  row.effect_key = std::move(key);
  row.kind = workflow::EffectKind::mail;
  row.request_id = request;
  row.payload = json::serialize(payload);
  row.due_at = at;
  store.enqueue(row);
}

bool out_of_office(workflow::Store& store, Services& s, const email::ParsedMail& m, TimePoint at) {
  const auto& referent = s.config.referent;
  if (!is_referent_address(referent, m.from_address))
    return false;
  // X-Auto-Response-Suppress says "do not answer me", not "I am away": the subject decides.
  if (!workflow::is_out_of_office(m.auto_submitted, m.subject))
    return false;
  const auto back = workflow::back_on(m.text, local_day(at));
  const TimePoint until =
      back ? start_of_local_day(*back) : at + std::chrono::days(referent.absence_default_days);
  if (until <= at)
    return true;
  // Many out-of-office programs answer every mail: news that changes nothing is not recorded.
  if (auto known = store.absence_at(m.from_address, at); known && known->until >= until)
    return true;
  spdlog::info("absence recorded address_is={} until=\"{}\" date_given={}",
               iequals(m.from_address, referent.address) ? "referent" : "backup",
               format_local(until, s.config.general.language), back.has_value());
  record_absence(store, referent, m.from_address, at, until, "mail:" + m.message_id,
                 "auto-reply:" + m.from_address, at);
  return true;
}

void delivery_report(workflow::Store& store, Services& s, const email::ParsedMail& m,
                     const std::string& key, TimePoint at) {
  const auto& referent = s.config.referent;
  const std::string admin =
      referent.admin_address.empty() ? referent.address : referent.admin_address;
  int alerts = 0;
  for (const auto& r : email::read_delivery_status(m.delivery_status)) {
    if (!r.permanent()) {
      spdlog::info("delivery report not final status={} action={}", r.status, r.action);
      continue;
    }
    // Only a report about a mail relais sent to that address counts: anyone can write a
    // delivery report, and a forged one must not raise alerts.
    if (!store.sent_to(m.attached_message_id, r.recipient)) {
      spdlog::info("delivery report not about our mail status={}", r.status);
      continue;
    }
    auto before = store.mark_failing(
        {r.recipient, r.status, r.diagnostic, m.attached_message_id, at, at, std::nullopt});
    spdlog::warn("address failing status={} known_before={}", r.status, before.has_value());
    // Never about the alert's own recipient: its bounce would report itself again.
    if (iequals(r.recipient, admin) || alerts >= kMaxAlertsPerReport)
      continue;
    if (before && before->alerted_at && at - *before->alerted_at < std::chrono::hours(24))
      continue;
    store.mark_failing_alerted(r.recipient, at);
    enqueue_mail(store, fmt::format("{}:failing:{}", key, alerts++), std::nullopt,
                 {{"name", "address_failing"},
                  {"recipient", admin},
                  {"context", json::object{{"address", r.recipient},
                                           {"status", r.status},
                                           {"diagnostic", r.diagnostic},
                                           {"first", !before.has_value()}}}},
                 at);
  }
}

}  // namespace

void took_automatic_mail(workflow::Store& store, Services& s, const email::ParsedMail& m,
                         const std::string& key, TimePoint at) {
  if (!m.delivery_status.empty()) {
    delivery_report(store, s, m, key, at);
    return;
  }
  out_of_office(store, s, m, at);
}

}  // namespace relais::daemon
