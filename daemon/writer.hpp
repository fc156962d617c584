// The writer thread: owns the SQLite write connection. Callers post jobs and co_await their
// result; jobs that queue up while a commit runs are committed together (group commit), each
// in its own savepoint so that one failing job rolls back alone. A job's completion is posted
// back only after the COMMIT that made it durable.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "workflow/store.hpp"

namespace relais::daemon {

class Writer {
 public:
  explicit Writer(const std::filesystem::path& db_file);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs f(Store&) on the writer thread inside a transaction; resumes the caller after commit.
  // An exception thrown by f (or a failed commit) is rethrown in the caller.
  // `f` is taken by lvalue reference and callers pass a named lambda: g++ 12 destroys
  // temporaries and by-value arguments of a co_await expression twice.
  template <class F>
  auto run(F& f) -> boost::asio::awaitable<decltype(f(std::declval<workflow::Store&>()))> {
    using R = decltype(f(std::declval<workflow::Store&>()));
    using Value = std::conditional_t<std::is_void_v<R>, bool, R>;
    // The value lives in this coroutine's frame, which outlives the job. The initiation is a
    // named object: g++ 12 destroys a temporary bound to a reference inside a co_await
    // expression twice, so no prvalue with a destructor may appear in one.
    std::optional<Value> value;
    auto initiation = [this, &f, &value](auto handler) mutable {
      auto ex = boost::asio::get_associated_executor(handler);
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      submit({[&f, &value](workflow::Store& s) {
                if constexpr (std::is_void_v<R>) {
                  f(s);
                  value.emplace(true);
                } else {
                  value.emplace(f(s));
                }
              },
              [ex, shared](std::exception_ptr ep) {
                boost::asio::post(ex, [shared, ep]() mutable { (*shared)(ep); });
              }});
    };
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                         void(std::exception_ptr)>(std::move(initiation),
                                                                   boost::asio::use_awaitable);
    if constexpr (!std::is_void_v<R>)
      co_return std::move(*value);
  }

  // Blocking variant for threads that are not the I/O thread (tests, relaisctl).
  template <class F>
  auto run_sync(F f) -> decltype(f(std::declval<workflow::Store&>())) {
    using R = decltype(f(std::declval<workflow::Store&>()));
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::exception_ptr error;
    std::conditional_t<std::is_void_v<R>, bool, R> value{};
    submit({[&](workflow::Store& s) {
              if constexpr (std::is_void_v<R>) {
                f(s);
              } else {
                value = f(s);
              }
            },
            [&](std::exception_ptr ep) {
              std::lock_guard lock(m);
              error = ep;
              done = true;
              cv.notify_one();
            }});
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
    if (error)
      std::rethrow_exception(error);
    if constexpr (!std::is_void_v<R>)
      return value;
  }

  // Stops after the queued jobs are committed.
  void stop();
  // Commits so far, and jobs in the largest group: for /metrics and the benchmark.
  std::uint64_t commits() const { return commits_; }
  std::uint64_t jobs() const { return jobs_; }

 private:
  struct Job {
    std::function<void(workflow::Store&)> work;
    std::function<void(std::exception_ptr)> done;
  };
  void submit(Job job);
  void loop();

  workflow::Store store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::thread thread_;
};

}  // namespace relais::daemon
