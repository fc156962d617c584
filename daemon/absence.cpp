#include "daemon/absence.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "daemon/local_time.hpp"
#include "daemon/mail_job.hpp"
#include "workflow/ascii.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::TimePoint;

int record_absence(workflow::Store& store, const ReferentConfig& referent,
                   const std::string& address, TimePoint from, TimePoint until,
                   const std::string& source, const std::string& actor, TimePoint at) {
  store.set_absence({lower(address), from, until, source}, actor, at);
  const std::string on_duty = referent_on_duty(store, referent, at);
  if (iequals(on_duty, referent.address))
    return 0;  // the backup is the one away, or is away too, or it has not begun
  int handed = 0;
  for (const auto& r : store.list_requests(workflow::State::awaiting_approval, 1000)) {
    // Keyed by the request's version, not by the news: hearing it twice hands nothing twice.
    workflow::OutboxRow row;
    row.effect_key = fmt::format("handover:{}:{}:{}", r.id, r.version, on_duty);
    row.kind = workflow::EffectKind::mail;
    row.request_id = r.id;
    row.payload = json::serialize(json::object{
        {"name", "referent_request"},
        {"recipient", on_duty},
        {"version", r.version},
        {"context",
         json::object{{"standing_in", json::object{{"name", referent.name.empty() ? referent.address
                                                                                  : referent.name},
                                                   {"until", format_local(until, r.language)}}}}}});
    row.due_at = at;
    if (store.enqueue(row) != 0)
      ++handed;
  }
  spdlog::info("absence handed over requests={} to=backup", handed);
  return handed;
}

}  // namespace relais::daemon
