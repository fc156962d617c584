// Findings are in French: they go to the agent as they are (the mail templates frame them).
// Each says what is wrong and how to fix it, in one or two sentences.
#include "workflow/checks.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "workflow/check_stages.hpp"
#include "workflow/declaration.hpp"

namespace relais::workflow {

bool is_publishable_media(std::string_view t) {
  static constexpr std::array<std::string_view, 8> kTypes{
      "image/jpeg", "image/png", "image/webp",      "image/heic",
      "image/heif", "video/mp4", "video/quicktime", "video/webm"};
  return std::find(kTypes.begin(), kTypes.end(), t) != kTypes.end();
}

std::optional<ElectionPeriod> parse_period(std::string_view text) {
  const auto slash = text.find('/');
  if (slash != 10 || text.size() != 21 || text[4] != '-' || text[15] != '-')
    return std::nullopt;
  const auto first = parse_event_date(text.substr(0, slash));
  const auto last = parse_event_date(text.substr(slash + 1));
  if (!first || !last || std::chrono::sys_days(*last) < std::chrono::sys_days(*first))
    return std::nullopt;
  return ElectionPeriod{std::chrono::sys_days(*first), std::chrono::sys_days(*last)};
}

bool in_election_period(const std::vector<ElectionPeriod>& periods, TimePoint at) {
  const auto day = std::chrono::floor<std::chrono::days>(at);
  return std::any_of(periods.begin(), periods.end(),
                     [&](const ElectionPeriod& p) { return day >= p.first && day <= p.last; });
}

// What the referent may lift is a judgement the checks made (a face on a poster, a phone
// number that is the town hall's). Not a fact about a person's rights or the calendar: a
// takedown, a refused or missing consent (recorded with `relaisctl consent add` and its
// evidence instead), or the pre-election period.
bool overridable(std::string_view code) {
  return code != "media.taken_down" && !code.starts_with("consent.") &&
         code != kElectionPeriodFinding;
}

namespace {
constexpr std::string_view kLiftedMark = " (Levé par le référent : ";
constexpr std::string_view kContestedMark = " (Contesté par l'agent : ";
}  // namespace

void lift(Finding& f, std::string_view reason) {
  for (auto mark : {kLiftedMark, kContestedMark}) {
    if (const auto at = f.message.find(mark); at != std::string::npos)
      f.message.erase(at);
  }
  f.severity = Severity::info;
  f.message += fmt::format("{}{}.)", kLiftedMark, reason);
}

bool is_contest(const FindingOverride& o) {
  return o.actor.starts_with("agent:");
}

bool can_lift(const Request& r, std::string_view code) {
  return r.has_finding(code) && overridable(code);
}

bool contestable(const Request& r, std::string_view code) {
  const bool blocking = std::any_of(r.findings.begin(), r.findings.end(), [&](const Finding& f) {
    return f.code == code && f.severity == Severity::blocking;
  });
  const bool lifted = std::any_of(r.overrides.begin(), r.overrides.end(),
                                  [&](const auto& o) { return o.code == code && !is_contest(o); });
  return blocking && !lifted && overridable(code);
}

bool needs_election_confirmation(const Request& r, const Event& e, const Policy& p) {
  return r.has_finding(kElectionPeriodFinding) || in_election_period(p.election_periods, e.at) ||
         (e.publish_at && in_election_period(p.election_periods, *e.publish_at));
}

std::vector<Finding> run_checks(const CheckInput& in, const CheckPolicy& policy) {
  std::vector<Finding> out;
  check_stages::text_findings(in, policy, out);
  check_stages::media_findings(in, policy, out);
  check_stages::people_findings(in, out);
  // Overrides: the referent's lift a finding to information; the agent's (contests) make a
  // blocking one a warning the referent sees. The finding stays visible, with the reason.
  for (auto& f : out) {
    auto it = std::find_if(in.overrides.begin(), in.overrides.end(),
                           [&](const FindingOverride& o) { return o.code == f.code; });
    if (it == in.overrides.end() || !overridable(f.code))
      continue;
    if (!is_contest(*it)) {
      lift(f, it->reason);
    } else if (f.severity == Severity::blocking) {
      f.severity = Severity::warning;
      f.message += fmt::format("{}{}. En approuvant, le référent lève ce point.)", kContestedMark,
                               it->reason);
    }
  }
  return out;
}

}  // namespace relais::workflow
