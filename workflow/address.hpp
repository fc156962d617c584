// Plausibility of what people type as an address: enough to refuse a typo with a clear
// sentence, not a full RFC 5322 parser (the mail relay has the last word).
#pragma once

#include <string_view>

namespace relais::workflow {

// One addr-spec: a dot-atom local part (UTF-8 allowed, no quoted forms) and a domain of at
// least two labels; at most 254 bytes. No spaces, commas, angle brackets or control characters,
// so the address can go into a mail header as it is.
bool plausible_address(std::string_view a);

}  // namespace relais::workflow
