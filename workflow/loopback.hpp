// Whether a host is this machine: the one rule behind "clear text only to loopback" for the
// SMTP relay, IMAP, the HTTP client and the configuration's checks.
#pragma once

#include <string_view>

namespace relais {

// "localhost" and names under ".localhost" (RFC 6761), 127.0.0.0/8, ::1 and ::ffff:127.x.y.z;
// any case; IPv6 with or without brackets.
bool is_loopback_host(std::string_view host);

}  // namespace relais
