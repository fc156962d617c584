#include "daemon/held_mail.hpp"

#include <array>

#include "daemon/mail_job.hpp"

namespace relais::daemon {

namespace {

// Answers to what the person just did (they are at work), and what cannot wait.
constexpr std::array<std::string_view, 5> kAtOnce{
    "ack",             // the agent's submission was received
    "refused_sender",  // the agent's submission was refused
    "mail_answer",     // the referent's answer by mail was (not) carried out
    "publish_failed",  // something went out wrong, or not at all
    "digest",          // made of held mail already
};

}  // namespace

bool may_wait(std::string_view name) {
  if (name.starts_with("takedown_"))  // the right to one's image acts and notifies at once
    return false;
  for (auto n : kAtOnce) {
    if (n == name)
      return false;
  }
  return true;
}

std::optional<workflow::TimePoint> hold_until(const WorkingTime& hours, const MailJob& job,
                                              workflow::TimePoint now) {
  if (job.to.empty() || !may_wait(job.template_name))
    return std::nullopt;
  const auto at = hours.next_open(job.to.front(), now);
  if (at <= now)
    return std::nullopt;
  return at;
}

}  // namespace relais::daemon
