// Group commit: BEGIN IMMEDIATE; SAVEPOINT per job; COMMIT; then every completion.
#include "daemon/writer.hpp"

#include <spdlog/spdlog.h>

namespace relais::daemon {

Writer::Writer(const std::filesystem::path& db_file)
    : store_(db_file, workflow::Database::Mode::read_write) {
  store_.migrate();
  thread_ = std::thread([this] { loop(); });
}

Writer::~Writer() {
  stop();
}

void Writer::submit(Job job) {
  bool refused = false;
  {
    std::lock_guard lock(mutex_);
    refused = stopping_;
    if (!refused)
      queue_.push_back(std::move(job));
  }
  if (refused) {
    job.done(std::make_exception_ptr(std::runtime_error("the writer is stopped")));
    return;
  }
  wake_.notify_one();
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void Writer::loop() {
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return;  // stopping and drained
      batch.swap(queue_);
    }
    std::vector<std::exception_ptr> results(batch.size());
    std::exception_ptr commit_error;
    try {
      store_.begin();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        store_.savepoint("job");
        try {
          batch[i].work(store_);
          store_.release("job");
        } catch (...) {
          results[i] = std::current_exception();
          store_.rollback_to("job");
        }
      }
      store_.commit();
      ++commits_;
      jobs_ += batch.size();
    } catch (const std::exception& e) {
      commit_error = std::current_exception();
      spdlog::error("store commit failed jobs={} error=\"{}\"", batch.size(), e.what());
      try {
        store_.rollback();
      } catch (...) {
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(commit_error ? commit_error : results[i]);
    }
  }
}

}  // namespace relais::daemon
