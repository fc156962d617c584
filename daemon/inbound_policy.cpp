// Classification order matters: automatic mail is never answered, whatever it claims to be.
#include "daemon/inbound_policy.hpp"

#include <fmt/format.h>
#include "workflow/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace relais::daemon {
namespace {}  // namespace

std::string_view to_string(InboundKind k) {
  switch (k) {
    case InboundKind::submission:
      return "submission";
    case InboundKind::reply:
      return "reply";
    case InboundKind::takedown:
      return "takedown";
    case InboundKind::case_reply:
      return "case_reply";
    case InboundKind::referent_answer:
      return "referent_answer";
    case InboundKind::refused:
      return "refused";
    case InboundKind::automatic:
      return "automatic";
  }
  return "?";
}

bool sender_allowed(std::string_view address, const std::vector<std::string>& allowed) {
  const std::string addr = lower(address);
  const auto at = addr.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == addr.size())
    return false;
  const std::string domain = addr.substr(at + 1);
  for (const auto& entry_raw : allowed) {
    const std::string entry = lower(entry_raw);
    if (entry.find('@') != std::string::npos) {
      if (entry == addr)
        return true;
    } else if (domain == entry ||
               (domain.size() > entry.size() &&
                domain.compare(domain.size() - entry.size(), entry.size(), entry) == 0 &&
                domain[domain.size() - entry.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> reference_in(std::string_view subject, std::string_view prefix) {
  const std::regex ref(fmt::format(R"((?:^|[^A-Za-z0-9])({}-\d{{4}}-\d{{4,}})(?![0-9]))", prefix),
                       std::regex::icase);
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(subject.begin(), subject.end(), m, ref))
    return std::nullopt;
  std::string found = m[1].str();
  std::transform(found.begin(), found.end(), found.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return found;
}

InboundKind classify(const InboundFacts& f, std::string_view takedown_address,
                     const std::vector<std::string>& allowed_senders) {
  if (f.envelope_from.empty() || f.automatic)
    return InboundKind::automatic;
  if (f.in_case_thread && !f.in_known_thread)
    return InboundKind::case_reply;
  const std::string takedown = lower(takedown_address);
  const bool to_takedown = std::any_of(f.recipients.begin(), f.recipients.end(),
                                       [&](const std::string& r) { return lower(r) == takedown; });
  if (to_takedown)
    return InboundKind::takedown;
  // The referent need not be an allowed sender to answer in a thread.
  if (f.in_known_thread && f.from_referent)
    return InboundKind::referent_answer;
  if (!sender_allowed(f.from_address, allowed_senders))
    return InboundKind::refused;
  if (f.in_known_thread)
    return InboundKind::reply;
  return InboundKind::submission;
}

}  // namespace relais::daemon
