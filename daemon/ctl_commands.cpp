// Reads use a read-only connection; approve and reject run one event through the same Engine
// and Policy as relaisd inside one transaction, so a refused event commits nothing. relaisd
// picks up the outbox rows an action creates by polling. SQLite failures become exit code 1.
#include "daemon/ctl_commands.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>

#include "daemon/ctl_args.hpp"
#include "daemon/ctl_audit.hpp"
#include "daemon/ctl_channel.hpp"
#include "daemon/ctl_consent.hpp"
#include "daemon/ctl_referent.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/ctl_store.hpp"
#include "daemon/ctl_takedown.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/checks.hpp"
#include "workflow/engine.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Event;
using workflow::EventKind;
using workflow::Request;
using workflow::Store;

namespace {

constexpr const char* kUsage =
    "usage: relaisctl [--config FILE] [--json] COMMAND ...\n"
    "  list [--state STATE] [--limit N]     requests, newest first (N: 1-10000, "
    "default 50)\n"
    "  show ID                              one request: channels, findings, media, history\n"
    "  approve ID [--channels a,b] [--at YYYY-MM-DDTHH:MM] [--confirm-election]\n"
    "                                       approve; --at is local time in general.timezone;\n"
    "                                       --confirm-election in a pre-election period\n"
    "  reject ID --reason TEXT              reject, with the reason the agent will read\n"
    "  override ID CODE --reason TEXT       lift a finding (its code, as `show` prints it); a\n"
    "                                       request waiting for changes is checked again\n"
    "  takedown ID [--reason TEXT] [--requester ADDR]\n"
    "                                       remove from every channel now, as a takedown case\n"
    "  quarantine list                      input kept because it could not be read\n"
    "  audit verify                         check the hash chain of the audit record\n"
    "  audit export --format csv|json [--request ID] [--case CASE]\n"
    "                                       the audit record, or the rows of a request/case\n"
    "  consent add --name NAME [--email ADDR] [--request ID | --from DATE --until DATE]\n"
    "              [--evidence FILE] [--minor] [--note TEXT]\n"
    "                                       record a consent (DATE: YYYY-MM-DD, local)\n"
    "  consent list                         the consent registry\n"
    "  consent revoke N [--reason TEXT]     revoke consent N and take down what it covered\n"
    "  channel list                         the configured channels and their types\n"
    "  channel test NAME                    check a channel's credentials without posting\n"
    "  referent away --until DATE [--who referent|backup]\n"
    "                                       away to DATE inclusive: the backup decides\n"
    "  referent back [--who referent|backup]  back now\n"
    "  referent absences                    who is or will be away\n"
    "ID is the numeric id or the reference (PUB-2026-0042, any case); CASE is the numeric id\n"
    "or the reference (DI-2026-0007). --json prints JSON.\n"
    "Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage or broken audit chain.\n";

constexpr int kLimitMax = 10000;
constexpr std::size_t kReasonMax = 5000;

int no_request(std::ostream& err, std::string_view id) {
  err << "no request " << terminal_text(id, 80) << '\n';
  return 1;
}

// Why the machine would refuse `e`, in the operator's terms, where relaisctl can say better
// than the transition table's guard.
std::string refusal_hint(const Request& r, const Event& e, const workflow::Policy& policy) {
  if (e.kind == EventKind::approve && !e.election_confirmed &&
      workflow::needs_election_confirmation(r, e, policy)) {
    return "it falls in a pre-election period; approve it with --confirm-election";
  }
  if (e.kind != EventKind::override_finding || workflow::can_lift(r, e.finding_code))
    return {};
  const auto code = terminal_text(e.finding_code, 60);
  if (!r.has_finding(e.finding_code)) {
    std::string codes;
    for (const auto& f : r.findings)
      codes += (codes.empty() ? "" : ", ") + terminal_text(f.code, 60);
    return fmt::format("it has no finding {} (its findings: {})", code,
                       codes.empty() ? "none" : codes);
  }
  if (e.finding_code == "media.taken_down")
    return code + " may not be lifted: the photo is barred by a takedown case";
  if (e.finding_code == "consent.missing") {
    return code +
           " may not be lifted: record the consent with its evidence (relaisctl consent add "
           "--request ID --evidence FILE), or let the agent send the forms";
  }
  if (e.finding_code.starts_with("consent."))
    return code +
           " may not be lifted: only the agent's declaration (consent given, a "
           "parent's for minors) or other photos can clear it";
  return code + " may not be lifted: the pre-election period is a fact of the calendar";
}

// One referent event on one request, in one transaction; prints the outcome.
int act(const Config& config, std::string_view id, Event event, const CtlParsed& p,
        std::ostream& out, std::ostream& err) {
  return with_store_for_writing(config, out, err, [&](Store& store, std::ostream& result) {
    const auto request = store.find_request(id);
    if (!request)
      return no_request(err, id);
    workflow::Engine engine(make_policy(config));
    if (request->state == workflow::State::awaiting_approval ||
        request->state == workflow::State::needs_changes) {
      if (const auto hint = refusal_hint(*request, event, engine.policy()); !hint.empty()) {
        err << fmt::format("refused: {}: {} (nothing changed)\n", request->reference, hint);
        return 1;
      }
    }
    const auto handled = engine.handle(store, request->id, event);
    if (!handled.applied) {
      err << fmt::format("refused: {}: {} (nothing changed)\n", request->reference,
                         handled.refusal);
      return 1;
    }
    const Request& after = *handled.request;
    if (p.json) {
      print_json(result, request_json(after));
    } else {
      result << fmt::format("{}: {} -> {}\n", after.reference, workflow::to_string(request->state),
                            workflow::to_string(after.state));
      if (after.publish_at && event.kind == EventKind::approve) {
        std::string names;
        for (const auto& c : after.channels)
          names += (names.empty() ? "" : ", ") + c.channel;
        result << fmt::format("publish at {} ({}) on {}\n", format_local(*after.publish_at, "en"),
                              config.general.timezone, names.empty() ? "-" : names);
      }
    }
    return 0;
  });
}

std::vector<std::string> split_channels(std::string_view list) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    const auto first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
      if (std::find(out.begin(), out.end(), item) == out.end())
        out.emplace_back(item);
    }
    if (comma == std::string_view::npos)
      return out;
    list.remove_prefix(comma + 1);
  }
}

Event cli_event(EventKind kind, const CtlOptions& opts) {
  Event e;
  e.kind = kind;
  e.at = now_of(opts);
  e.actor = opts.actor.empty() ? "cli" : opts.actor;
  e.source = "cli";
  return e;
}

}  // namespace

int ctl_list(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
             std::ostream& err) {
  auto p = parse_ctl_args("list", args, {"--state", "--limit"}, opts, err);
  if (!p)
    return 2;
  if (!p->positional.empty()) {
    err << "relaisctl list: unexpected argument " << terminal_text(p->positional[0], 80) << '\n';
    return 2;
  }
  std::optional<workflow::State> state;
  if (const auto* s = value_of(*p, "--state")) {
    state = workflow::parse_state(*s);
    if (!state || *state == workflow::State::initial) {
      std::string names;
      for (auto st : workflow::kAllStates) {
        if (st != workflow::State::initial)
          names += fmt::format("{}{}", names.empty() ? "" : ", ", workflow::to_string(st));
      }
      err << fmt::format("relaisctl list: unknown state {} (one of: {})\n", terminal_text(*s, 40),
                         names);
      return 2;
    }
  }
  int limit = 50;
  if (const auto* l = value_of(*p, "--limit")) {
    const auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc{} || end != l->data() + l->size() || limit < 1 || limit > kLimitMax) {
      err << fmt::format("relaisctl list: --limit must be a whole number from 1 to {}\n",
                         kLimitMax);
      return 2;
    }
  }
  return with_store_for_reading(config, err, [&](Store& store) {
    const auto requests = store.list_requests(state, limit);
    if (p->json) {
      json::array a;
      for (const auto& r : requests)
        a.push_back(request_json(r));
      print_json(out, a);
    } else {
      print_request_table(out, requests);
    }
    return 0;
  });
}

int ctl_show(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
             std::ostream& err) {
  auto p = parse_ctl_args("show", args, {}, opts, err);
  if (!p || !one_positional("show", *p, "one ID", err))
    return 2;
  return with_store_for_reading(config, err, [&](Store& store) {
    const auto r = store.find_request(p->positional[0]);
    if (!r)
      return no_request(err, p->positional[0]);
    const auto media = store.media_of(r->id);
    const auto history = store.transitions_of(r->id);
    if (p->json) {
      print_json(out, request_detail_json(*r, media, history));
    } else {
      print_request_detail(out, *r, media, history);
    }
    return 0;
  });
}

int ctl_approve(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                std::ostream& out, std::ostream& err) {
  auto p =
      parse_ctl_args("approve", args, {"--channels", "--at"}, opts, err, {"--confirm-election"});
  if (!p || !one_positional("approve", *p, "one ID", err))
    return 2;
  Event e = cli_event(EventKind::approve, opts);
  e.election_confirmed = has_switch(*p, "--confirm-election");
  if (const auto* list = value_of(*p, "--channels")) {
    e.channels = split_channels(*list);
    if (e.channels.empty()) {
      err << "relaisctl approve: --channels needs at least one channel name\n";
      return 2;
    }
  }
  if (const auto* at = value_of(*p, "--at")) {
    // The round trip makes sure the instant read is the local time typed, whatever the
    // zone's daylight-saving rules do to it.
    e.publish_at = parse_input(*at);
    if (e.publish_at && format_input(*e.publish_at) != *at)
      e.publish_at.reset();
    if (!e.publish_at) {
      err << fmt::format(
          "relaisctl approve: --at must be a local time YYYY-MM-DDTHH:MM that exists in {} "
          "(got {})\n",
          config.general.timezone, terminal_text(*at, 40));
      return 2;
    }
  }
  return act(config, p->positional[0], std::move(e), *p, out, err);
}

int ctl_reject(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
               std::ostream& err) {
  auto p = parse_ctl_args("reject", args, {"--reason"}, opts, err);
  if (!p || !one_positional("reject", *p, "one ID", err))
    return 2;
  const auto* reason = value_of(*p, "--reason");
  if (!reason || is_blank(*reason)) {
    err << "relaisctl reject: --reason TEXT is required (the agent reads it)\n";
    return 2;
  }
  if (reason->size() > kReasonMax) {
    err << fmt::format("relaisctl reject: --reason is longer than {} bytes\n", kReasonMax);
    return 2;
  }
  Event e = cli_event(EventKind::reject, opts);
  e.reason = *reason;
  return act(config, p->positional[0], std::move(e), *p, out, err);
}

int ctl_override(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                 std::ostream& out, std::ostream& err) {
  auto p = parse_ctl_args("override", args, {"--reason"}, opts, err);
  if (!p)
    return 2;
  if (p->positional.size() != 2) {
    err << "relaisctl override: expected an ID and a finding CODE (relaisctl show ID lists "
           "them)\n";
    return 2;
  }
  const auto* reason = value_of(*p, "--reason");
  if (!reason || is_blank(*reason)) {
    err << "relaisctl override: --reason TEXT is required (it stays beside the finding)\n";
    return 2;
  }
  if (reason->size() > kReasonMax) {
    err << fmt::format("relaisctl override: --reason is longer than {} bytes\n", kReasonMax);
    return 2;
  }
  Event e = cli_event(EventKind::override_finding, opts);
  e.finding_code = p->positional[1];
  e.reason = *reason;
  return act(config, p->positional[0], std::move(e), *p, out, err);
}

int ctl_quarantine(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                   std::ostream& out, std::ostream& err) {
  auto p = parse_ctl_args("quarantine", args, {}, opts, err);
  if (!p)
    return 2;
  if (p->positional.size() != 1 || p->positional[0] != "list") {
    err << "relaisctl quarantine: expected `quarantine list`\n";
    return 2;
  }
  return with_store_for_reading(config, err, [&](Store& store) {
    const auto rows = store.list_quarantine();
    if (p->json) {
      json::array a;
      for (const auto& q : rows)
        a.push_back(quarantine_json(q));
      print_json(out, a);
    } else {
      print_quarantine_table(out, rows);
    }
    return 0;
  });
}

int run_ctl(const Config& config, const CtlArgs& args, const CtlOptions& opts, std::ostream& out,
            std::ostream& err) {
  using Command =
      int (*)(const Config&, const CtlArgs&, const CtlOptions&, std::ostream&, std::ostream&);
  static const std::map<std::string, Command, std::less<>> kCommands{
      {"list", ctl_list},       {"show", ctl_show},         {"approve", ctl_approve},
      {"reject", ctl_reject},   {"override", ctl_override}, {"quarantine", ctl_quarantine},
      {"audit", ctl_audit},     {"consent", ctl_consent},   {"takedown", ctl_takedown},
      {"channel", ctl_channel}, {"referent", ctl_referent}};
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const auto it = kCommands.find(args[0]);
  if (it == kCommands.end()) {
    err << "relaisctl: unknown command " << terminal_text(args[0], 40) << '\n' << kUsage;
    return 2;
  }
  set_local_zone(config.general.timezone);
  return it->second(config, CtlArgs(args.begin() + 1, args.end()), opts, out, err);
}

std::string_view ctl_usage() {
  return kUsage;
}

std::string ctl_actor() {
  auto plain = [](std::string_view u) {
    return !u.empty() && u.size() <= 64 && std::all_of(u.begin(), u.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  };
  if (const char* user = std::getenv("USER"); user && *user)
    return plain(user) ? "cli:" + std::string(user) : "cli";
  // No USER (cron, systemd units, containers): the login name of the effective user.
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name && plain(pw->pw_name))
    return "cli:" + std::string(pw->pw_name);
  return "cli";
}

void setup_ctl_logging() {
  auto logger = spdlog::stderr_color_mt("relaisctl");
  logger->set_level(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace relais::daemon
