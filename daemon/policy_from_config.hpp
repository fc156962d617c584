// The workflow Policy that a configuration describes; shared by relaisd and relaisctl so that
// an action taken from the command line follows the same rules as one taken from a link.
#pragma once

#include "daemon/config/config.hpp"
#include "workflow/case_desk.hpp"
#include "workflow/policy.hpp"

namespace relais::daemon {

workflow::Policy make_policy(const Config& cfg);
workflow::CaseSettings make_case_settings(const Config& cfg);

}  // namespace relais::daemon
