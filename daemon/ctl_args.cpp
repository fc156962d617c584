// relaisctl's shared flag parsing; pure apart from writing usage sentences to `err`.
#include "daemon/ctl_args.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "workflow/sqlite.hpp"

namespace relais::daemon {

std::optional<CtlParsed> parse_ctl_args(std::string_view command, const CtlArgs& args,
                                        std::initializer_list<std::string_view> valued,
                                        const CtlOptions& opts, std::ostream& err,
                                        std::initializer_list<std::string_view> switches) {
  CtlParsed p;
  p.json = opts.json;
  bool flags = true;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!flags || a.size() < 2 || a[0] != '-') {
      p.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      flags = false;
      continue;
    }
    if (a == "--json") {
      p.json = true;
      continue;
    }
    const auto eq = a.find('=');
    const std::string name = a.substr(0, eq);
    if (eq == std::string::npos &&
        std::find(switches.begin(), switches.end(), name) != switches.end()) {
      if (p.values.contains(name)) {
        err << fmt::format("relaisctl {}: {} given twice\n", command, name);
        return std::nullopt;
      }
      p.values[name] = "";
      continue;
    }
    if (std::find(valued.begin(), valued.end(), name) == valued.end()) {
      err << fmt::format("relaisctl {}: unknown option {}\n", command, name);
      return std::nullopt;
    }
    if (p.values.contains(name)) {
      err << fmt::format("relaisctl {}: {} given twice\n", command, name);
      return std::nullopt;
    }
    if (eq != std::string::npos) {
      p.values[name] = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      p.values[name] = args[++i];
    } else {
      err << fmt::format("relaisctl {}: {} needs a value\n", command, name);
      return std::nullopt;
    }
  }
  return p;
}

const std::string* value_of(const CtlParsed& p, std::string_view name) {
  auto it = p.values.find(name);
  return it == p.values.end() ? nullptr : &it->second;
}

bool has_switch(const CtlParsed& p, std::string_view name) {
  return p.values.contains(name);
}

bool one_positional(std::string_view command, const CtlParsed& p, std::string_view what,
                    std::ostream& err) {
  if (p.positional.size() == 1)
    return true;
  err << fmt::format("relaisctl {}: expected {} ({})\n", command, what,
                     p.positional.empty() ? "none given" : "too many arguments");
  return false;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void print_json(std::ostream& out, const boost::json::value& v) {
  out << boost::json::serialize(v) << '\n';
}

int guarded(std::ostream& err, const std::function<int()>& body) {
  try {
    return body();
  } catch (const workflow::SqliteError& e) {
    err << "relaisctl: store error: " << e.what() << '\n';
    return 1;
  }
}

workflow::TimePoint now_of(const CtlOptions& opts) {
  if (opts.now)
    return *opts.now;
  return workflow::now_ms();
}

}  // namespace relais::daemon
