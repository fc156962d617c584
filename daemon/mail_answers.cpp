// Every refusal names its reason in the mail sent back (template mail_answer), so that a
// referent who answered from a phone knows at once whether to open the link instead.
#include "daemon/mail_answers.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "connectors/email/inbound_authentication.hpp"
#include "daemon/local_time.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/ascii.hpp"
#include "workflow/checks.hpp"
#include "workflow/reply_command.hpp"

namespace relais::daemon {
namespace email = connectors::email;
namespace json = boost::json;
using workflow::TimePoint;

namespace {

std::string_view action_of(workflow::ReplyCommand::Kind k) {
  switch (k) {
    case workflow::ReplyCommand::Kind::approve:
      return "approve";
    case workflow::ReplyCommand::Kind::reject:
      return "reject";
    case workflow::ReplyCommand::Kind::changes:
      return "request_changes";
  }
  return "";
}

workflow::EventKind event_of(workflow::ReplyCommand::Kind k) {
  switch (k) {
    case workflow::ReplyCommand::Kind::approve:
      return workflow::EventKind::approve;
    case workflow::ReplyCommand::Kind::reject:
      return workflow::EventKind::reject;
    case workflow::ReplyCommand::Kind::changes:
      return workflow::EventKind::request_changes;
  }
  return workflow::EventKind::approve;
}

// The answer mail: in the request's thread, to the writer, with `outcome` set for the template.
void tell(workflow::Store& store, const ThreadAnswer& a, std::string_view to, json::object outcome,
          TimePoint at) {
  workflow::OutboxRow row;
  row.effect_key = a.effect_key + ":answer";
  row.kind = workflow::EffectKind::mail;
  row.request_id = a.request_id;
  std::string words = workflow::reply_text(a.mail.text);
  words = words.substr(0, words.find('\n'));
  if (words.size() > 200)
    words = words.substr(0, 200) + "…";
  outcome["words"] = words;
  row.payload = json::serialize(
      json::object{{"name", "mail_answer"}, {"recipient", to}, {"context", std::move(outcome)}});
  row.due_at = at;
  store.enqueue(row);
}

json::object refusal(std::string_view reason, std::string_view detail = {}) {
  return json::object{{"refused", json::object{{std::string(reason), true}}}, {"detail", detail}};
}

// The first token among the messages this one answers (In-Reply-To, then References from the
// nearest), so a reply to the latest notification uses the latest token.
std::optional<workflow::TokenRow> answered_token(workflow::Store& store,
                                                 const email::ParsedMail& m) {
  if (auto t = store.token_of_sent_mail(m.in_reply_to))
    return t;
  for (auto it = m.references.rbegin(); it != m.references.rend(); ++it) {
    if (auto t = store.token_of_sent_mail(*it))
      return t;
  }
  return std::nullopt;
}

}  // namespace

bool is_referent_address(const ReferentConfig& r, std::string_view address) {
  return !address.empty() && (iequals(address, r.address) ||
                              (!r.backup_address.empty() && iequals(address, r.backup_address)));
}

email::Reply referent_answered(workflow::Store& store, Services& s, const ThreadAnswer& a,
                               TimePoint at) {
  const auto& m = a.mail;
  auto request = store.load_request(a.request_id);
  const auto command = workflow::reply_command(workflow::reply_text(m.text));
  if (!command) {
    spdlog::info("answer not a decision request={} from_referent=1", request->reference);
    tell(store, a, m.from_address, json::object{{"not_understood", true}}, at);
    return {250, "2.0.0 Ok: kept with " + request->reference + ", not read as a decision"};
  }
  const auto action = action_of(command->kind);
  auto refuse = [&](std::string_view reason, std::string_view detail = {}) -> email::Reply {
    ++s.metrics.refused_events;
    spdlog::info("answer refused request={} action={} reason={} detail=\"{}\"", request->reference,
                 action, reason, detail);
    tell(store, a, m.from_address, refusal(reason, detail), at);
    return {250, fmt::format("2.0.0 Ok: not acted on ({})", reason)};
  };

  const auto token = answered_token(store, m);
  if (!token || token->request_id != request->id)
    return refuse("thread");
  const auto& cfg = s.config.mail;
  const auto auth = email::sender_authentication(m.authentication_results, cfg.trusted_authserv_id,
                                                 m.from_address);
  using Verdict = email::SenderAuthentication::Verdict;
  if (auth.verdict == Verdict::fail || (cfg.require_dmarc && auth.verdict != Verdict::pass))
    return refuse("authentication", auth.detail);
  if (command->kind != workflow::ReplyCommand::Kind::approve && command->note.empty())
    return refuse("reason_missing");
  if (auto problem = workflow::check_token(token, &*request, action, at))
    return refuse(workflow::to_string(*problem));

  workflow::Event e;
  e.kind = event_of(command->kind);
  e.at = at;
  e.actor = "referent:" + m.from_address;
  e.source = "mail:" + m.message_id;
  e.reason = command->note;
  if (e.kind == workflow::EventKind::approve &&
      workflow::needs_election_confirmation(*request, e, s.engine.policy()))
    return refuse("election");
  auto handled = s.engine.handle(store, request->id, e);
  if (!handled.applied)
    return refuse("machine", handled.refusal);
  store.use_token(token->id, at, action);
  ++s.metrics.transitions;
  json::object done{{"done", json::object{{std::string(action), true}}}, {"note", command->note}};
  if (handled.request && handled.request->publish_at)
    done["scheduled_at"] = format_local(*handled.request->publish_at, handled.request->language);
  tell(store, a, m.from_address, std::move(done), at);
  spdlog::info("answer acted request={} action={} by_mail=1", request->reference, action);
  return {250, fmt::format("2.0.0 Ok: {} {}", action, request->reference)};
}

bool refuse_decision_by_others(workflow::Store& store, Services& s, const ThreadAnswer& a,
                               TimePoint at) {
  const auto& m = a.mail;
  if (!workflow::reply_command(workflow::reply_text(m.text)))
    return false;
  auto request = store.load_request(a.request_id);
  ++s.metrics.refused_events;
  spdlog::info("answer refused request={} reason=not_referent", request->reference);
  tell(store, a, m.from_address, refusal("not_referent"), at);
  return true;
}

}  // namespace relais::daemon
