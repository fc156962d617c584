#include "daemon/ctl_referent.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "daemon/absence.hpp"
#include "daemon/ctl_args.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/ctl_store.hpp"
#include "daemon/local_time.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;
using workflow::TimePoint;

namespace {

// The address --who names; empty with the sentence on `err` otherwise.
std::string who_of(const Config& config, const CtlParsed& p, std::ostream& err) {
  const std::string* who = value_of(p, "--who");
  if (!who || *who == "referent")
    return config.referent.address;
  if (*who == "backup") {
    if (config.referent.backup_address.empty())
      err << "relaisctl referent: there is no referent.backup_address\n";
    return config.referent.backup_address;
  }
  err << "relaisctl referent: --who is referent or backup\n";
  return "";
}

int away(const Config& config, const CtlParsed& p, const CtlOptions& opts, std::ostream& out,
         std::ostream& err) {
  const std::string who = who_of(config, p, err);
  if (who.empty())
    return 2;
  const std::string* until_text = value_of(p, "--until");
  if (!until_text) {
    err << "relaisctl referent away: give --until DATE (YYYY-MM-DD, the last day away)\n";
    return 2;
  }
  const auto last = parse_date(*until_text);
  if (!last) {
    err << "relaisctl referent away: --until is a date, YYYY-MM-DD\n";
    return 2;
  }
  const TimePoint at = now_of(opts);
  // From now: the requests waiting now are handed over now (an absence planned ahead would
  // need its handover when it begins; an out-of-office reply or this command on the day does it).
  const TimePoint from = at;
  const TimePoint until = start_of_local_day(
      std::chrono::year_month_day(std::chrono::sys_days(*last) + std::chrono::days(1)));
  if (until <= from) {
    err << "relaisctl referent away: --until is before the absence begins\n";
    return 1;
  }
  return with_store_for_writing(config, out, err, [&](Store& store, std::ostream& o) {
    const int handed =
        record_absence(store, config.referent, who, from, until, "cli", opts.actor, at);
    if (opts.json) {
      print_json(o, json::object{{"address", who},
                                 {"from", format_input(from)},
                                 {"until", format_input(until)},
                                 {"handed_over", handed}});
    } else {
      o << fmt::format("{} away from {} until {}", who, format_local(from, "en"),
                       format_local(until, "en"));
      o << (handed > 0 ? fmt::format("; {} request(s) handed over to the backup\n", handed)
                       : std::string("\n"));
    }
    return 0;
  });
}

int back(const Config& config, const CtlParsed& p, const CtlOptions& opts, std::ostream& out,
         std::ostream& err) {
  const std::string who = who_of(config, p, err);
  if (who.empty())
    return 2;
  return with_store_for_writing(config, out, err, [&](Store& store, std::ostream& o) {
    if (!store.end_absence(who, opts.actor, "cli", now_of(opts))) {
      err << fmt::format("relaisctl referent back: {} is not away\n", who);
      return 1;
    }
    o << (opts.json ? json::serialize(json::object{{"address", who}, {"back", true}}) + "\n"
                    : fmt::format("{} is back\n", who));
    return 0;
  });
}

int absences(const Config& config, const CtlOptions& opts, std::ostream& out, std::ostream& err) {
  return with_store_for_reading(config, err, [&](Store& store) {
    const auto rows = store.absences_after(now_of(opts));
    if (opts.json) {
      json::array a;
      for (const auto& r : rows) {
        a.push_back(json::object{{"address", r.address},
                                 {"from", format_input(r.starts_at)},
                                 {"until", format_input(r.until)},
                                 {"source", r.source}});
      }
      print_json(out, a);
      return 0;
    }
    if (rows.empty())
      out << "nobody is away\n";
    for (const auto& r : rows) {
      out << fmt::format("{:<32} {} -> {}  ({})\n", r.address, format_input(r.starts_at),
                         format_input(r.until), terminal_text(r.source, 80));
    }
    return 0;
  });
}

}  // namespace

int ctl_referent(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                 std::ostream& out, std::ostream& err) {
  const std::string what = args.empty() ? "" : args[0];
  const CtlArgs rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (what == "away") {
    auto p = parse_ctl_args("referent away", rest, {"--until", "--who"}, opts, err);
    return p ? away(config, *p, opts, out, err) : 2;
  }
  if (what == "back") {
    auto p = parse_ctl_args("referent back", rest, {"--who"}, opts, err);
    return p ? back(config, *p, opts, out, err) : 2;
  }
  if (what == "absences") {
    auto p = parse_ctl_args("referent absences", rest, {}, opts, err);
    return p ? absences(config, opts, out, err) : 2;
  }
  err << "relaisctl referent: expected `referent away --until DATE`, `referent back` or "
         "`referent absences`\n";
  return 2;
}

}  // namespace relais::daemon
