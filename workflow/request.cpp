// Small queries over a request's data.
#include "workflow/request.hpp"

#include <algorithm>

namespace relais::workflow {

bool Request::has_blocking_finding() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::blocking; });
}

bool Request::has_finding(std::string_view code) const {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}

const ChannelPost* Request::channel(std::string_view name) const {
  for (const auto& c : channels) {
    if (c.channel == name)
      return &c;
  }
  return nullptr;
}

ChannelPost* Request::channel(std::string_view name) {
  for (auto& c : channels) {
    if (c.channel == name)
      return &c;
  }
  return nullptr;
}

}  // namespace relais::workflow
