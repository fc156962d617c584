// Request routing: a pure dispatch on method and path to the handlers, plus /healthz,
// /metrics and the static files of the `site` channel under /site/.
#pragma once

#include "daemon/approval_pages.hpp"
#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

Router make_router(Services& s, ApprovalPages& pages, std::filesystem::path site_dir);

// Prometheus text exposition of the counters and the store's gauges.
std::string render_metrics(Services& s, workflow::Store& reader);

// A file under the site directory for a URL path after /site/, or nullopt if the path is not
// one the site channel writes (letters, digits, '-', '_', '.', one "media/" level, no "..").
std::optional<std::filesystem::path> site_file(const std::filesystem::path& dir,
                                               std::string_view rest);

}  // namespace relais::daemon
