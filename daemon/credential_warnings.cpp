#include "daemon/credential_warnings.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "daemon/local_time.hpp"

namespace relais::daemon {

std::optional<int> credential_warning_due(std::chrono::system_clock::time_point expires,
                                          std::chrono::system_clock::time_point now) {
  if (expires <= now)
    return 0;
  const auto left = expires - now;
  for (int days : {1, 7, 14}) {
    if (left <= std::chrono::days(days))
      return days;
  }
  return std::nullopt;
}

int enqueue_credential_warnings(
    workflow::Store& store, const Config& config,
    const std::map<std::string, std::unique_ptr<connectors::Publisher>>& publishers,
    std::chrono::system_clock::time_point now) {
  int added = 0;
  for (const auto& [name, publisher] : publishers) {
    const auto expires = publisher->credentials_expire_at();
    if (!expires)
      continue;
    const auto due = credential_warning_due(*expires, now);
    if (!due)
      continue;
    const std::string day =
        fmt::format("{:%Y-%m-%d}", std::chrono::floor<std::chrono::seconds>(*expires));
    boost::json::object context{
        {"channel", name},
        {"type", std::string(publisher->type())},
        {"expires_at",
         format_local(std::chrono::time_point_cast<std::chrono::milliseconds>(*expires),
                      config.general.language)},
        {"days", *due},
        {"expired", *due == 0},
        {"soon", *due == 1}};
    for (const auto& to : {config.referent.address, config.referent.admin_address}) {
      if (to.empty())
        continue;
      workflow::OutboxRow row;
      row.effect_key = fmt::format("credentials:{}:{}:{}:{}", name, day, *due, to);
      row.kind = workflow::EffectKind::mail;
      row.payload = boost::json::serialize(boost::json::object{
          {"name", "credentials_expiring"}, {"recipient", to}, {"context", context}});
      row.due_at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
      if (store.enqueue(row) != 0) {
        ++added;
        spdlog::warn("credentials expiring channel={} expires={} warning_days={}", name, day, *due);
      }
    }
  }
  return added;
}

}  // namespace relais::daemon
