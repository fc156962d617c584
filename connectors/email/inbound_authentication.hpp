// Whether a mail's From is authenticated, as the organisation's own mail server says it in an
// Authentication-Results header (RFC 8601). Only headers whose authserv-id is the trusted one
// count: any sender can write an Authentication-Results header of their own, and the receiving
// server is expected to remove incoming ones that claim its name (OpenDMARC and rspamd do).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relais::connectors::email {

struct SenderAuthentication {
  enum class Verdict {
    pass,     // dmarc=pass, or dkim=pass for a signing domain aligned with From
    fail,     // dmarc=fail, or dkim failed and nothing passed
    unknown,  // no header from the trusted server, or it reports neither DMARC nor DKIM
  };
  Verdict verdict = Verdict::unknown;
  std::string detail;  // what was read, for the log and the explanation: "dmarc=fail"
};

// `headers`: the raw values, topmost first. The topmost header of the trusted server decides
// (it is the last one added on the way in). An empty `trusted_authserv_id` trusts none.
SenderAuthentication sender_authentication(const std::vector<std::string>& headers,
                                           std::string_view trusted_authserv_id,
                                           std::string_view from_address);

}  // namespace relais::connectors::email
