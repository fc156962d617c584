// relaisd: the publication-approval daemon. Parses the command line; everything else is in
// daemon/app.cpp.
#include <cstdio>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/app.hpp"
#include "daemon/logging.hpp"
#include "workflow/transitions.hpp"
#include "workflow/wall_clock.hpp"

using namespace relais::daemon;

namespace {

constexpr const char* kUsage =
    "usage: relaisd [--config FILE] [--check-config] [--print-states] [--print-config-reference]\n"
    "  --config FILE            the TOML configuration (default: the embedded default)\n"
    "  --check-config           check the configuration, print one line per problem, exit\n"
    "  --print-states           print the state machine as a Mermaid diagram\n"
    "  --print-config-reference print the configuration keys as a Markdown table\n";

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      file = argv[++i];
    } else if (a == "--check-config") {
      check = true;
    } else if (a == "--print-states") {
      std::fputs(relais::workflow::mermaid_diagram().c_str(), stdout);
      return 0;
    } else if (a == "--print-config-reference") {
      std::fputs(config_reference_markdown().c_str(), stdout);
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "relaisd: unknown argument %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  auto loaded = file.empty() ? load_config_string(embedded_default_config(), embedded_default_name)
                             : load_config_file(file);
  if (auto* problems = std::get_if<std::vector<ConfigProblem>>(&loaded)) {
    for (const auto& p : *problems)
      std::fprintf(stderr, "%s\n", format_problem(p).c_str());
    return 1;
  }
  if (check) {
    std::printf("%s: configuration is valid\n", file.empty() ? "<embedded default>" : file.c_str());
    return 0;
  }
  const auto& config = std::get<Config>(loaded);
  setup_logging(config.general.log_level);
  if (const auto clock = relais::workflow::use_clock_file_from_environment(); !clock.empty())
    spdlog::warn("clock read from {} (RELAIS_CLOCK_FILE): for tests only", clock);
  return run_daemon(config);
}
