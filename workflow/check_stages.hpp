// The stages of run_checks (checks.cpp), one file each: media quality and network limits,
// people and consent, text and discretion. Internal to the workflow library.
#pragma once

#include <string>
#include <vector>

#include "workflow/checks.hpp"

namespace relais::workflow::check_stages {

void media_findings(const CheckInput& in, const CheckPolicy& policy, std::vector<Finding>& out);
void people_findings(const CheckInput& in, std::vector<Finding>& out);
void text_findings(const CheckInput& in, const CheckPolicy& policy, std::vector<Finding>& out);

// "4,2 Mo", "850 ko": sizes as the agent reads them.
std::string human_bytes(std::int64_t bytes);

}  // namespace relais::workflow::check_stages
