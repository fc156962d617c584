// The right to disconnect (SPEC 3.3): mail to a person outside their working hours waits for
// the next start of them, and what waited for one person goes as one digest. Mail that answers
// what the person just did, and mail about a takedown or a failed publication, never waits.
#pragma once

#include <optional>
#include <string_view>

#include "daemon/working_time.hpp"
#include "workflow/request.hpp"

namespace relais::daemon {

struct MailJob;

// False for the templates that always go at once.
bool may_wait(std::string_view template_name);

// When `job` may reach its first recipient, if not now.
std::optional<workflow::TimePoint> hold_until(const WorkingTime& hours, const MailJob& job,
                                              workflow::TimePoint now);

}  // namespace relais::daemon
