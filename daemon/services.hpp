// What the daemon's parts share once wired: the configuration, the writer and readers of the
// store, the worker pool, templates, blob stores, the engine, the notifier and publishers.
// Built once in app.cpp; every part takes a reference.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "connectors/common/template.hpp"
#include "connectors/connector.hpp"
#include "daemon/api_tokens.hpp"
#include "daemon/check_runner.hpp"
#include "daemon/config/config.hpp"
#include "daemon/working_time.hpp"
#include "daemon/writer.hpp"
#include "workflow/blob_store.hpp"
#include "workflow/case_desk.hpp"
#include "workflow/engine.hpp"

namespace relais::daemon {

// Counters for /metrics; everything else is read from the store at scrape time.
struct Metrics {
  std::atomic<std::uint64_t> mail_accepted{0};
  std::atomic<std::uint64_t> mail_refused{0};
  std::atomic<std::uint64_t> mail_duplicate{0};
  std::atomic<std::uint64_t> mail_quarantined{0};
  std::atomic<std::uint64_t> mail_tempfail{0};
  std::atomic<std::uint64_t> transitions{0};
  std::atomic<std::uint64_t> refused_events{0};
  std::atomic<std::uint64_t> effects_done{0};
  std::atomic<std::uint64_t> effects_retried{0};
  std::atomic<std::uint64_t> effects_failed{0};
  std::atomic<std::uint64_t> http_requests{0};
};

// Read-only store connections, one per worker thread, for pages, the API and metrics.
class Readers {
 public:
  explicit Readers(std::filesystem::path db) : db_(std::move(db)) {}
  workflow::Store& store();  // the calling thread's connection

 private:
  std::filesystem::path db_;
};

struct Services {
  const Config& config;
  Writer& writer;
  Readers& readers;
  boost::asio::thread_pool& pool;
  workflow::Engine& engine;
  workflow::CaseDesk& cases;
  connectors::TemplateSet& templates;
  workflow::BlobStore messages;
  workflow::BlobStore media;
  connectors::Notifier& notifier;
  std::map<std::string, std::unique_ptr<connectors::Publisher>>& publishers;
  Metrics& metrics;
  std::string token_key;  // HMAC key for CSRF fields; never logged
  std::function<void()> wake_dispatcher;
  ApiTokens api_tokens;  // empty: /api/v1/ is off
  const CheckSetup& checks;
  WorkingTime working_time;  // everyone's working hours: mail waits outside them
};

// Runs f() on the worker pool and resumes the caller on its own executor afterwards.
// `f` by lvalue reference, callers pass a named lambda (see Writer::run).
template <class F>
auto on_pool(boost::asio::thread_pool& pool, F& f) -> boost::asio::awaitable<decltype(f())> {
  using R = decltype(f());
  // Wrapped in an optional: co_spawn needs a default-constructible result, Result<T> is not.
  // Named, not a temporary: see Writer::run on g++ 12 and temporaries in co_await.
  auto task = [&f]() -> boost::asio::awaitable<std::optional<R>> {
    co_return std::optional<R>(f());
  };
  auto result = co_await boost::asio::co_spawn(pool.get_executor(), std::move(task),
                                               boost::asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace relais::daemon
