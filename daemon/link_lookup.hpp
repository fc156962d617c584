// The token of a link in a mail (/a/ approval, /c/ completion) as its page finds it: the request
// it names and, when it may not be used for `action`, why. Read for the page shown on GET, and
// again inside the acting transaction on POST, where it is the answer that counts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "workflow/approval_token.hpp"
#include "workflow/store.hpp"

namespace relais::daemon {

struct LinkLookup {
  std::optional<workflow::TokenRow> token;
  std::optional<workflow::Request> request;
  std::optional<workflow::TokenProblem> problem;  // empty: the link may be used
};

LinkLookup look_up_link(workflow::Store& store, const std::string& raw_token,
                        std::string_view action, workflow::TimePoint at);

}  // namespace relais::daemon
