// A custom spdlog flag (%*) prints the sd-daemon priority prefix.
#include "daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace relais::daemon {
namespace {

class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* p = "<6>";
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        p = "<7>";
        break;
      case spdlog::level::info:
        p = "<6>";
        break;
      case spdlog::level::warn:
        p = "<4>";
        break;
      case spdlog::level::err:
        p = "<3>";
        break;
      case spdlog::level::critical:
        p = "<2>";
        break;
      default:
        break;
    }
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

}  // namespace

void setup_logging(const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (std::getenv("JOURNAL_STREAM")) {
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %n: %v");
  }
  sink->set_formatter(std::move(formatter));
  auto logger = std::make_shared<spdlog::logger>("relaisd", sink);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  auto workflow = logger->clone("workflow");
  spdlog::register_logger(workflow);
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace relais::daemon
