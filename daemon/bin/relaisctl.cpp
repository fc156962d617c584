// relaisctl: administration from the command line (SPEC section 4). Parses the global options
// and loads the configuration; the commands are in daemon/ctl_commands.cpp. A bad configuration
// prints one line per problem and exits 1; a usage error exits 2.
#include <cstdio>
#include <iostream>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/ctl_commands.hpp"
#include "workflow/wall_clock.hpp"

using namespace relais::daemon;

int main(int argc, char** argv) {
  relais::workflow::use_clock_file_from_environment();  // relaisd's clock, in the tests
  std::string file;
  CtlOptions opts;
  CtlArgs args;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config") {
      if (i + 1 == argc) {
        std::cerr << "relaisctl: --config needs a FILE\n";
        return 2;
      }
      file = argv[++i];
    } else if (a.starts_with("--config=")) {
      file = a.substr(9);
    } else if (a == "--json") {
      opts.json = true;
    } else if (a == "--help" || a == "-h" || a == "help") {
      std::cout << ctl_usage();
      return 0;
    } else if (a.starts_with("-")) {
      std::cerr << "relaisctl: unknown option " << a << '\n' << ctl_usage();
      return 2;
    } else {
      break;
    }
  }
  if (i == argc) {
    std::cerr << ctl_usage();
    return 2;
  }
  args.assign(argv + i, argv + argc);
  if (args.size() >= 2 && (args[1] == "--help" || args[1] == "-h")) {
    std::cout << ctl_usage();
    return 0;
  }

  setup_ctl_logging();
  auto loaded = file.empty() ? load_config_string(embedded_default_config(), embedded_default_name)
                             : load_config_file(file);
  if (auto* problems = std::get_if<std::vector<ConfigProblem>>(&loaded)) {
    for (const auto& p : *problems)
      std::cerr << format_problem(p) << '\n';
    return 1;
  }
  opts.actor = ctl_actor();
  return run_ctl(std::get<Config>(loaded), args, opts, std::cout, std::cerr);
}
