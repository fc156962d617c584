// The hourly housekeeping pass, at start and then every hour: the retention purge
// (workflow/retention.hpp; rows change in one writer transaction, files are deleted on the
// worker pool after the commit), then the warnings of expiring network credentials
// (credential_warnings.hpp). Hourly is far finer than the settings (days, years) and costs a
// few indexed queries.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>

#include "daemon/services.hpp"
#include "workflow/retention.hpp"

namespace relais::daemon {

class RetentionTask {
 public:
  RetentionTask(Services& s, boost::asio::any_io_executor ex,
                std::chrono::seconds interval = std::chrono::hours(1));
  boost::asio::awaitable<void> run();  // until stop()
  void stop();
  // A purge is running (its writer job must finish before the I/O context goes away).
  bool busy() const { return busy_; }
  // One purge now; what it did (also logged).
  boost::asio::awaitable<workflow::RetentionReport> purge_once();
  // Enqueues the expiry warnings now due (at most one mail per channel, day and threshold).
  boost::asio::awaitable<void> warn_of_credentials();

 private:
  Services& s_;
  boost::asio::steady_timer timer_;
  std::chrono::seconds interval_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> busy_{false};
};

}  // namespace relais::daemon
