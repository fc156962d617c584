// What every relaisctl command shares: its flag parser, store-error guard and JSON printer.
// Usage errors are written to `err` as one sentence naming the command; the caller returns 2.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "daemon/ctl_commands.hpp"

namespace relais::daemon {

struct CtlParsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> values;
  bool json = false;
};

// Flags in `valued` take a value ("--state X" or "--state=X"), flags in `switches` take none;
// "--json" is a switch anywhere; "--" ends the flags. Unknown, repeated or value-less flags
// are usage errors (nullopt, with the sentence on `err`).
std::optional<CtlParsed> parse_ctl_args(std::string_view command, const CtlArgs& args,
                                        std::initializer_list<std::string_view> valued,
                                        const CtlOptions& opts, std::ostream& err,
                                        std::initializer_list<std::string_view> switches = {});

// The flag's value, or nullptr when it was not given.
const std::string* value_of(const CtlParsed& p, std::string_view name);
// Whether a switch was given.
bool has_switch(const CtlParsed& p, std::string_view name);

// Exactly one positional argument, or a usage sentence on `err`.
bool one_positional(std::string_view command, const CtlParsed& p, std::string_view what,
                    std::ostream& err);

bool is_blank(std::string_view s);

void print_json(std::ostream& out, const boost::json::value& v);

// Runs `body`, turning a store failure into a sentence and exit code 1.
int guarded(std::ostream& err, const std::function<int()>& body);

// The event time of a command: opts.now, or the system clock in milliseconds.
workflow::TimePoint now_of(const CtlOptions& opts);

}  // namespace relais::daemon
