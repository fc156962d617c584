// Single byte ranges (RFC 9110 section 14) on a response already holding the whole body:
// phones' video players ask for them (iOS plays nothing without a 206), and a download can
// resume. Several ranges or a malformed header are ignored, as the RFC allows: the whole body.
#pragma once

#include <string_view>

#include "daemon/http_server.hpp"

namespace relais::daemon {

// `res` is a 200 with its full body. Says that ranges are accepted; for a satisfiable single
// range, turns it into a 206 with that part and its Content-Range; for an unsatisfiable one,
// into a 416 with an empty body.
void apply_byte_range(HttpResponse& res, std::string_view range_header);

}  // namespace relais::daemon
