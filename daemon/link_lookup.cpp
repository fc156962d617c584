#include "daemon/link_lookup.hpp"

namespace relais::daemon {

LinkLookup look_up_link(workflow::Store& store, const std::string& raw_token,
                        std::string_view action, workflow::TimePoint at) {
  LinkLookup out;
  out.token = store.find_token(workflow::token_hash(raw_token));
  if (out.token)
    out.request = store.load_request(out.token->request_id);
  out.problem = workflow::check_token(out.token, out.request ? &*out.request : nullptr, action, at);
  return out;
}

}  // namespace relais::daemon
