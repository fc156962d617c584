// The export writes stored values unchanged (no terminal escaping): it is meant for files and
// spreadsheets, and the detail must stay byte-equal to what the hash covers. Store failures
// are exit 1 (guarded); nothing here writes.
#include "daemon/ctl_audit.hpp"

#include <fmt/format.h>

#include <ctime>

#include "daemon/ctl_args.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/ctl_store.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::AuditRow;
using workflow::Store;

namespace {

std::string name_of(const std::map<std::int64_t, std::string>& names,
                    std::optional<std::int64_t> id) {
  if (!id)
    return {};
  auto it = names.find(*id);
  return it == names.end() ? std::to_string(*id) : it->second;
}

std::optional<std::int64_t> request_of(const AuditRow& r) {
  return r.request_id ? std::optional<std::int64_t>(r.request_id) : std::nullopt;
}

std::vector<std::string> export_fields(const AuditRow& r, const AuditNames& names) {
  return {std::to_string(r.id),
          iso_utc_millis(r.at),
          r.kind,
          name_of(names.requests, request_of(r)),
          name_of(names.cases, r.case_id),
          r.from_state,
          r.to_state,
          r.event,
          r.actor,
          r.source,
          r.detail,
          r.prev_hash,
          r.hash};
}

AuditNames names_of(Store& store, const std::vector<AuditRow>& rows) {
  AuditNames names;
  for (const auto& r : rows) {
    if (r.request_id && !names.requests.contains(r.request_id)) {
      auto req = store.load_request(r.request_id);
      names.requests[r.request_id] = req ? req->reference : std::to_string(r.request_id);
    }
    if (r.case_id && !names.cases.contains(*r.case_id)) {
      auto c = store.load_case(*r.case_id);
      names.cases[*r.case_id] = c ? c->reference : std::to_string(*r.case_id);
    }
  }
  return names;
}

int verify(Store& store, const CtlParsed& p, std::ostream& out) {
  const auto broken = store.verify_audit_chain();
  const auto n = store.audit_count();
  if (p.json) {
    print_json(out, json::object{{"intact", !broken},
                                 {"rows", n},
                                 {"first_broken_id", broken ? json::value(*broken) : nullptr}});
  } else if (broken) {
    out << fmt::format("audit record broken at row {} ({} rows)\n", *broken, n);
  } else {
    out << fmt::format("audit record intact ({} rows)\n", n);
  }
  return broken ? 2 : 0;
}

int export_rows(Store& store, const CtlParsed& p, bool csv, std::ostream& out, std::ostream& err) {
  std::optional<std::int64_t> request_id, case_id;
  if (const auto* ref = value_of(p, "--request")) {
    const auto r = store.find_request(*ref);
    if (!r) {
      err << "relaisctl audit export: no request " << terminal_text(*ref, 80) << '\n';
      return 1;
    }
    request_id = r->id;
  }
  if (const auto* ref = value_of(p, "--case")) {
    const auto c = store.find_case(*ref);
    if (!c) {
      err << "relaisctl audit export: no takedown case " << terminal_text(*ref, 80) << '\n';
      return 1;
    }
    case_id = c->id;
  }
  const auto rows = store.audit_rows(request_id, case_id);
  const auto names = names_of(store, rows);
  if (csv) {
    write_audit_csv(out, rows, names);
  } else {
    print_json(out, audit_json(rows, names));
  }
  return 0;
}

}  // namespace

std::string iso_utc_millis(workflow::TimePoint t) {
  const auto ms = workflow::to_millis(t);
  const auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ms - static_cast<std::int64_t>(secs) * 1000);
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos)
    return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_audit_csv(std::ostream& out, const std::vector<AuditRow>& rows,
                     const AuditNames& names) {
  auto line = [&out](const auto& fields) {
    bool first = true;
    for (const auto& f : fields) {
      out << (first ? "" : ",") << csv_field(f);
      first = false;
    }
    out << "\r\n";
  };
  line(kAuditExportColumns);
  for (const auto& r : rows)
    line(export_fields(r, names));
}

json::array audit_json(const std::vector<AuditRow>& rows, const AuditNames& names) {
  json::array out;
  for (const auto& r : rows) {
    auto reference = [](const std::string& s) {
      return s.empty() ? json::value() : json::value(s);
    };
    out.push_back(json::object{{"id", r.id},
                               {"at", iso_utc_millis(r.at)},
                               {"kind", r.kind},
                               {"request", reference(name_of(names.requests, request_of(r)))},
                               {"case", reference(name_of(names.cases, r.case_id))},
                               {"from_state", r.from_state},
                               {"to_state", r.to_state},
                               {"event", r.event},
                               {"actor", r.actor},
                               {"source", r.source},
                               {"detail", r.detail},
                               {"prev_hash", r.prev_hash},
                               {"hash", r.hash}});
  }
  return out;
}

int ctl_audit(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
              std::ostream& err) {
  auto p = parse_ctl_args("audit", args, {"--format", "--request", "--case"}, opts, err);
  if (!p)
    return 2;
  const std::string what = p->positional.size() == 1 ? p->positional[0] : "";
  if (what != "verify" && what != "export") {
    err << "relaisctl audit: expected `audit verify` or `audit export --format csv|json`\n";
    return 2;
  }
  bool csv = false;
  if (what == "verify") {
    if (!p->values.empty()) {
      err << "relaisctl audit verify: takes no options\n";
      return 2;
    }
  } else {
    const auto* format = value_of(*p, "--format");
    if (!format && !p->json) {
      err << "relaisctl audit export: --format csv|json is required\n";
      return 2;
    }
    if (format && *format != "csv" && *format != "json") {
      err << fmt::format("relaisctl audit export: --format must be csv or json (got {})\n",
                         terminal_text(*format, 20));
      return 2;
    }
    csv = format && *format == "csv";
  }
  return with_store_for_reading(config, err, [&](Store& store) {
    return what == "verify" ? verify(store, *p, out) : export_rows(store, *p, csv, out, err);
  });
}

}  // namespace relais::daemon
