// A failed purge (the store busy or broken) is logged and tried again at the next interval;
// nothing is deleted unless its rows committed.
#include "daemon/retention_task.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/credential_warnings.hpp"

namespace relais::daemon {
namespace asio = boost::asio;

RetentionTask::RetentionTask(Services& s, asio::any_io_executor ex, std::chrono::seconds interval)
    : s_(s), timer_(ex), interval_(interval) {}

asio::awaitable<workflow::RetentionReport> RetentionTask::purge_once() {
  const workflow::RetentionSettings settings{s_.config.retention.media_days,
                                             s_.config.retention.case_years};
  const auto at = workflow::now_ms();
  auto job = [&settings, at](workflow::Store& store) {
    return workflow::purge_expired(store, settings, at);
  };
  auto report = co_await s_.writer.run(job);
  if (!report.media_blobs.empty() || !report.message_blobs.empty()) {
    auto remove = [this, &report] {
      workflow::delete_purged_blobs(s_.media, report.media_blobs);
      workflow::delete_purged_blobs(s_.messages, report.message_blobs);
      return true;
    };
    co_await on_pool(s_.pool, remove);
  }
  if (report.media_purged || report.messages_purged || report.cases_erased) {
    spdlog::info("retention purged media={} messages={} cases_erased={} files={}",
                 report.media_purged, report.messages_purged, report.cases_erased,
                 report.media_blobs.size() + report.message_blobs.size());
  }
  co_return report;
}

asio::awaitable<void> RetentionTask::warn_of_credentials() {
  const auto at = workflow::Clock::now();
  auto job = [this, at](workflow::Store& store) {
    return enqueue_credential_warnings(store, s_.config, s_.publishers, at);
  };
  if (co_await s_.writer.run(job) > 0 && s_.wake_dispatcher)
    s_.wake_dispatcher();
}

asio::awaitable<void> RetentionTask::run() {
  while (!stopping_) {
    busy_ = true;
    try {
      co_await purge_once();
    } catch (const std::exception& e) {
      spdlog::error("retention failed, trying again later error=\"{}\"", e.what());
    }
    try {
      co_await warn_of_credentials();
    } catch (const std::exception& e) {
      spdlog::error("credential warnings failed, trying again later error=\"{}\"", e.what());
    }
    busy_ = false;
    if (stopping_)
      break;
    timer_.expires_after(interval_);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void RetentionTask::stop() {
  stopping_ = true;
  timer_.cancel();
}

}  // namespace relais::daemon
