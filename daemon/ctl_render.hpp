// How relaisctl shows requests, their history, media and quarantined input: aligned text for
// people (times in the configured zone, control characters made visible) and boost::json
// values for scripts (times in ISO 8601 UTC). Pure functions: no store, no clock.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "workflow/store.hpp"

namespace relais::daemon {

// "2026-09-21T14:13:20Z" (whole seconds, UTC).
std::string iso_utc(workflow::TimePoint t);

// A request with its channels and findings: id, reference, state, version, sender,
// sender_name, subject, text, author, language, publish_at (ISO or null), note, created_at,
// updated_at, channels [{name, status, url, post_id, error}], findings [{code, severity,
// message}].
boost::json::object request_json(const workflow::Request& r);
// request_json plus media [{position, filename, content_type, size, sha256}] and history
// [{id, at, from, to, event, actor, source, detail}].
boost::json::object request_detail_json(const workflow::Request& r,
                                        const std::vector<workflow::MediaRow>& media,
                                        const std::vector<workflow::AuditRow>& history);
boost::json::object quarantine_json(const workflow::QuarantineRow& q);

// One line per request under a header: id, reference, state, sender, subject, updated.
void print_request_table(std::ostream& out, const std::vector<workflow::Request>& requests);
void print_request_detail(std::ostream& out, const workflow::Request& r,
                          const std::vector<workflow::MediaRow>& media,
                          const std::vector<workflow::AuditRow>& history);
void print_quarantine_table(std::ostream& out, const std::vector<workflow::QuarantineRow>& rows);

// Rows as aligned columns (widths in UTF-8 characters), two spaces apart, no trailing blanks.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

// Text made safe for a terminal: control characters (ESC included) become '?', and
// `max_chars` > 0 cuts on a UTF-8 character boundary with a trailing "…".
std::string terminal_text(std::string_view s, std::size_t max_chars = 0);

}  // namespace relais::daemon
