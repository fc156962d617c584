// Engine: the only code that turns an Outcome into rows. Refusals write nothing and are
// logged with the request and the reason.
#include "workflow/engine.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "workflow/machine.hpp"

namespace relais::workflow {
namespace {

std::shared_ptr<spdlog::logger> log() {
  static auto logger = [] {
    auto l = spdlog::get("workflow");
    return l ? l : spdlog::default_logger()->clone("workflow");
  }();
  return logger;
}

std::string detail_of(const Event& e) {
  boost::json::object o;
  if (!e.channel.empty())
    o["channel"] = e.channel;
  if (!e.reason.empty())
    o["reason"] = e.reason;
  if (!e.post_url.empty())
    o["url"] = e.post_url;
  if (!e.channels.empty()) {
    boost::json::array a;
    for (const auto& c : e.channels)
      a.push_back(boost::json::string(c));
    o["channels"] = std::move(a);
  }
  if (e.publish_at)
    o["publish_at"] = e.publish_at->time_since_epoch().count();
  if (!e.dropped_media.empty()) {
    boost::json::array a;
    for (int position : e.dropped_media)
      a.push_back(position);
    o["dropped_media"] = std::move(a);
  }
  if (e.text)
    o["text_edited"] = true;
  if (!e.findings.empty())
    o["findings"] = e.findings.size();
  return o.empty() ? std::string() : boost::json::serialize(o);
}

}  // namespace

std::string effect_payload(const Effect& effect, std::int64_t version) {
  boost::json::object o{{"version", version}};
  if (!effect.name.empty())
    o["name"] = effect.name;
  if (!effect.recipient.empty())
    o["recipient"] = effect.recipient;
  if (!effect.channel.empty())
    o["channel"] = effect.channel;
  return boost::json::serialize(o);
}

Effect effect_from_payload(EffectKind kind, const std::string& payload) {
  Effect e{kind, "", "", ""};
  boost::system::error_code ec;
  auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object())
    return e;
  const auto& o = v.as_object();
  auto str = [&](const char* key) -> std::string {
    const auto* p = o.if_contains(key);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  e.name = str("name");
  e.recipient = str("recipient");
  e.channel = str("channel");
  return e;
}

Request Engine::create(Store& store, Request draft, const Event& submitted) {
  const auto year = static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(submitted.at)).year());
  draft.reference = store.next_reference(year);
  draft.state = State::initial;
  draft.version = 0;
  draft.created_at = draft.updated_at = submitted.at;
  draft.id = store.insert_request(draft);
  auto handled = commit_outcome(store, draft, submitted);
  if (!handled.applied)
    throw std::logic_error("submitted must be legal from initial");
  return *handled.request;
}

Handled Engine::handle(Store& store, std::int64_t request_id, const Event& event) {
  auto request = store.load_request(request_id);
  if (!request)
    return {false, "no such request", std::nullopt};
  return commit_outcome(store, *request, event);
}

Handled Engine::commit_outcome(Store& store, const Request& before, const Event& event) {
  auto result = apply(before, event, policy_);
  if (auto* refusal = std::get_if<Refusal>(&result)) {
    log()->info("event refused request={} event={} state={} actor={} reason=\"{}\"",
                before.reference, to_string(event.kind), to_string(before.state), event.actor,
                refusal->reason);
    return {false, refusal->reason, before};
  }
  auto& outcome = std::get<Outcome>(result);
  const Request& after = outcome.request;
  if (!store.save_request(after)) {
    return {false, "the request changed meanwhile", store.load_request(before.id)};
  }
  store.append_transition({0, after.id, std::string(to_string(before.state)),
                           std::string(to_string(after.state)), std::string(to_string(event.kind)),
                           event.actor, event.source, detail_of(event), event.at, "", "",
                           "transition", std::nullopt});
  if (before.state != after.state || !outcome.timers.empty()) {
    store.replace_timers(after.id, outcome.timers);
  }
  int index = 0;
  for (const auto& effect : outcome.effects) {
    OutboxRow row;
    row.request_id = after.id;
    row.effect_key = fmt::format("{}:{}:{}", after.id, after.version, index++);
    row.kind = effect.kind;
    row.payload = effect_payload(effect, after.version);
    row.due_at = event.at;
    store.enqueue(row);
  }
  log()->info("transition request={} event={} from={} to={} actor={} effects={}", after.reference,
              to_string(event.kind), to_string(before.state), to_string(after.state), event.actor,
              outcome.effects.size());
  return {true, "", after};
}

}  // namespace relais::workflow
