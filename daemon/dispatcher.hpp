// The dispatcher: claims due outbox rows and timers from the store (the truth), runs each
// effect through its connector on the worker pool, and feeds the result back as an event in
// the same transaction that marks the row done. Wake-ups (wake(), or another process's commit
// seen by the store's data_version) are only hints; without them the dispatcher still polls
// the tables every poll interval.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <set>

#include "connectors/http/http_client.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

class Dispatcher {
 public:
  Dispatcher(Services& s, boost::asio::any_io_executor ex);
  boost::asio::awaitable<void> run();  // until stop()
  void wake();                         // thread-safe
  void stop();
  // Effects in flight right now (drained on stop).
  int in_flight() const { return in_flight_; }

 private:
  // The request's reference for logs, "-" for a row outside any request.
  static std::string reference_of(workflow::Store& store, const workflow::OutboxRow& row);
  boost::asio::awaitable<void> execute(workflow::OutboxRow row);
  boost::asio::awaitable<void> fire(workflow::TimerRow timer);
  boost::asio::awaitable<void> fire_case(workflow::CaseTimerRow timer);
  boost::asio::awaitable<void> run_checks(const workflow::OutboxRow& row);
  // In dispatcher_mail.cpp.
  boost::asio::awaitable<void> send_mail(const workflow::OutboxRow& row);
  boost::asio::awaitable<void> send_chat_row(const workflow::OutboxRow& row);
  boost::asio::awaitable<void> publish_or_remove(const workflow::OutboxRow& row);
  // Waits up to `wait`, less when woken or when another process (relaisctl) commits.
  boost::asio::awaitable<void> sleep_until_work(std::chrono::milliseconds wait);
  // Reschedules the row with backoff, or gives up after max attempts; returns true if it gave up.
  bool retry_or_give_up(workflow::Store& store, const workflow::OutboxRow& row, const Error& error);

  Services& s_;
  boost::asio::any_io_executor ex_;
  boost::asio::steady_timer alarm_;
  std::atomic<bool> stopping_{false};
  std::optional<std::int64_t> seen_version_;  // the store's data_version at the last look
  std::atomic<bool> woken_{false};            // a wake() that came while no wait was pending
  std::atomic<int> in_flight_{0};
  std::mutex running_mutex_;
  std::set<std::int64_t> running_;  // outbox rows being executed by this process
  std::mt19937_64 rng_{std::random_device{}()};
  std::shared_ptr<connectors::http::Client> chat_client_;  // made at the first chat
};

}  // namespace relais::daemon
