// `relaisctl audit verify|export`: checks the hash chain of the audit record, and writes the
// record (all of it, or the rows of one request or one case) as RFC 4180 CSV or JSON. Reads
// only; an unknown request or case is exit 1, a broken chain exit 2, a usage error exit 2.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "daemon/ctl_commands.hpp"
#include "workflow/store.hpp"

namespace relais::daemon {

// `audit verify`: 0 and "audit record intact (N rows)", or 2 and "audit record broken at row
// N (M rows)". `audit export --format csv|json [--request ID] [--case CASE]`.
int ctl_audit(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
              std::ostream& err);

// The references of the requests and cases that audit rows name, by id.
struct AuditNames {
  std::map<std::int64_t, std::string> requests, cases;
};

// "2026-09-21T14:13:20.042Z": UTC with milliseconds, as stored.
std::string iso_utc_millis(workflow::TimePoint t);

// One CSV field: quoted (with doubled quotes) when it holds a comma, a quote, CR or LF.
std::string csv_field(std::string_view value);

// The columns of an export, in order: id, at, kind, request, case, from_state, to_state,
// event, actor, source, detail, prev_hash, hash. request and case are references (empty /
// null when the row names none); detail is the stored text, unchanged.
inline constexpr const char* kAuditExportColumns[] = {
    "id",    "at",    "kind",   "request", "case",      "from_state", "to_state",
    "event", "actor", "source", "detail",  "prev_hash", "hash"};

// A header row and one row per audit row, each ended by CRLF (RFC 4180).
void write_audit_csv(std::ostream& out, const std::vector<workflow::AuditRow>& rows,
                     const AuditNames& names);
boost::json::array audit_json(const std::vector<workflow::AuditRow>& rows, const AuditNames& names);

}  // namespace relais::daemon
