// The evidence file is written to the media blob store before the transaction that names it
// (a failed commit leaves an orphan for the start-up collection, never a row without its
// file). Revocation builds the Engine and CaseDesk exactly as relaisd does; the mails and
// removals it causes are outbox rows that relaisd picks up. Store failures are exit 1.
#include "daemon/ctl_consent.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>

#include "daemon/consent_service.hpp"
#include "daemon/ctl_args.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/ctl_store.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/ascii.hpp"
#include "workflow/blob_store.hpp"
#include "workflow/case_desk.hpp"

namespace relais::daemon {
namespace json = boost::json;
namespace fs = std::filesystem;
using workflow::ConsentRow;
using workflow::ConsentScope;
using workflow::Store;
using workflow::TimePoint;

namespace {

const ConsentFieldNames kFlags{"--name", "--email", "--request", "--from", "--until", "--note"};

std::string local_date(TimePoint t) {
  return format_input(t).substr(0, 10);
}

// The last day a consent covers: its end is the midnight after that day.
std::string last_day(TimePoint expires_at) {
  return local_date(expires_at - std::chrono::minutes(1));
}

std::string covers(const ConsentRow& c, const std::string& request_ref) {
  if (c.scope == ConsentScope::request)
    return request_ref;
  if (c.valid_from && c.expires_at)
    return fmt::format("{} to {}", local_date(*c.valid_from), last_day(*c.expires_at));
  if (c.valid_from)
    return "from " + local_date(*c.valid_from);
  if (c.expires_at)
    return "until " + last_day(*c.expires_at);
  return "always";
}

// The `consent add` flags as a ConsentInput (the checks are the service's).
std::optional<ConsentInput> read_add(const CtlParsed& p, std::optional<fs::path>& evidence,
                                     std::ostream& err) {
  if (!p.positional.empty()) {
    err << "relaisctl consent add: unexpected argument " << terminal_text(p.positional[0], 40)
        << '\n';
    return std::nullopt;
  }
  auto flag = [&p](std::string_view name) {
    const auto* v = value_of(p, name);
    return v ? *v : std::string();
  };
  ConsentInput in;
  in.name = flag("--name");
  in.email = flag("--email");
  in.request = flag("--request");
  in.from = flag("--from");
  in.until = flag("--until");
  in.note = flag("--note");
  in.minor = has_switch(p, "--minor");
  if (const auto* e = value_of(p, "--evidence"))
    evidence = fs::path(*e);
  return in;
}

// The evidence file, copied into the media blob store: its SHA-256.
Result<std::string> store_evidence(const Config& config, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    return invalid_input(fmt::format("--evidence: no such file {}", file.string()));
  const auto size = fs::file_size(file, ec);
  if (ec || size > static_cast<std::uintmax_t>(config.mail.max_message_bytes)) {
    return invalid_input(fmt::format("--evidence: {} is larger than mail.max_message_bytes ({})",
                                     file.string(), config.mail.max_message_bytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof())
    return permanent(fmt::format("--evidence: cannot read {}", file.string()));
  return workflow::BlobStore(fs::path(config.general.state_dir) / "media").put(bytes.str());
}

int add(const Config& config, const CtlParsed& p, const CtlOptions& opts, std::ostream& out,
        std::ostream& err) {
  std::optional<fs::path> evidence;
  const auto input = read_add(p, evidence, err);
  if (!input)
    return 2;
  auto checked = check_consent_input(*input, kFlags);
  if (const auto* sentence = std::get_if<std::string>(&checked)) {
    err << "relaisctl consent add: " << *sentence << '\n';
    return 2;
  }
  auto& in = std::get<CheckedConsent>(checked);
  const auto now = now_of(opts);
  const std::string actor = opts.actor.empty() ? "cli" : opts.actor;
  return with_store_for_writing(config, out, err, [&](Store& store, std::ostream& result) {
    if (evidence) {  // the file first: a failed commit leaves an orphan, never a row without it
      auto stored = store_evidence(config, *evidence);
      if (!stored) {
        err << "relaisctl consent add: " << stored.error().message << '\n';
        return 1;
      }
      in.input.evidence_sha256 = *stored;
      in.input.evidence_name = evidence->filename().string();
    }
    auto recorded = record_consent(store, in, kFlags, actor, "cli", now);
    if (const auto* refusal = std::get_if<std::string>(&recorded)) {
      err << "relaisctl consent add: " << *refusal << '\n';
      return 1;
    }
    const auto& r = std::get<RecordedConsent>(recorded);
    const auto& c = r.consent;
    if (p.json) {
      print_json(result, consent_json(c, r.person, r.request_reference, now));
    } else {
      result << fmt::format("consent {} recorded: {} (person {}{}), {}{}\n", c.id,
                            terminal_text(r.person.name, 80), r.person.id,
                            r.new_person ? ", new" : "", covers(c, r.request_reference),
                            c.minor ? ", minor" : "");
    }
    return 0;
  });
}

int list(const Config& config, const CtlParsed& p, const CtlOptions& opts, std::ostream& out,
         std::ostream& err) {
  if (!p.positional.empty() || !p.values.empty()) {
    err << "relaisctl consent list: takes no arguments\n";
    return 2;
  }
  return with_store_for_reading(config, err, [&](Store& store) {
    const auto now = now_of(opts);
    const auto consents = store.list_consents(std::nullopt);
    json::array a;
    std::vector<std::vector<std::string>> rows{
        {"ID", "PERSON", "EMAIL", "SCOPE", "COVERS", "GIVEN", "STATUS", "EVIDENCE"}};
    for (const auto& c : consents) {
      const auto person = store.load_person(c.person_id);
      const auto ref = request_reference(store, c.request_id);
      if (p.json) {
        a.push_back(consent_json(c, person, ref, now));
        continue;
      }
      rows.push_back(
          {std::to_string(c.id), person ? terminal_text(person->name, 40) : "?",
           person ? terminal_text(person->email, 40) : "",
           std::string(workflow::to_string(c.scope)) + (c.minor ? ", minor" : ""), covers(c, ref),
           local_date(c.given_at),
           c.revoked_at ? "revoked " + local_date(*c.revoked_at) : consent_status(c, now),
           c.evidence_name.empty() ? "-" : terminal_text(c.evidence_name, 40)});
    }
    if (p.json) {
      print_json(out, a);
    } else if (consents.empty()) {
      out << "no consents recorded\n";
    } else {
      print_table(out, rows);
    }
    return 0;
  });
}

int revoke(const Config& config, const CtlParsed& p, const CtlOptions& opts, std::ostream& out,
           std::ostream& err) {
  if (!one_positional("consent revoke", p, "one consent number", err))
    return 2;
  std::int64_t id = 0;
  const auto& text = p.positional[0];
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id < 1) {
    err << "relaisctl consent revoke: N is a consent number (see `consent list`)\n";
    return 2;
  }
  const auto* reason = value_of(p, "--reason");
  if (reason && (is_blank(*reason) || reason->size() > kConsentTextMax)) {
    err << fmt::format("relaisctl consent revoke: --reason must be 1 to {} bytes of text\n",
                       kConsentTextMax);
    return 2;
  }
  const auto now = now_of(opts);
  const std::string actor = opts.actor.empty() ? "cli" : opts.actor;
  return with_store_for_writing(config, out, err, [&](Store& store, std::ostream& result) {
    workflow::Engine engine(make_policy(config));
    workflow::CaseDesk desk(engine, make_case_settings(config));
    auto outcome = revoke_consent(store, desk, id, reason ? *reason : "", actor, "cli", now);
    if (const auto* refusal = std::get_if<std::string>(&outcome)) {
      err << fmt::format("refused: {} (nothing changed)\n", *refusal);
      return 1;
    }
    const auto& revoked = std::get<RevokedConsent>(outcome);
    if (p.json) {
      print_json(result, revoked_json(id, now, revoked));
    } else if (revoked.takedown) {
      std::string list;
      for (const auto& r : revoked.requests)
        list += (list.empty() ? "" : ", ") + r;
      result << fmt::format("consent {} revoked; case {} opened ({}) for {}\n", id,
                            revoked.takedown->reference,
                            workflow::to_string(revoked.takedown->state), list);
    } else {
      result << fmt::format("consent {} revoked; nothing it covered is live\n", id);
    }
    return 0;
  });
}

}  // namespace

int ctl_consent(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                std::ostream& out, std::ostream& err) {
  const std::string what = args.empty() ? "" : args[0];
  const CtlArgs rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (what == "add") {
    auto p = parse_ctl_args(
        "consent add", rest,
        {"--name", "--email", "--request", "--from", "--until", "--evidence", "--note"}, opts, err,
        {"--minor"});
    return p ? add(config, *p, opts, out, err) : 2;
  }
  if (what == "list") {
    auto p = parse_ctl_args("consent list", rest, {}, opts, err);
    return p ? list(config, *p, opts, out, err) : 2;
  }
  if (what == "revoke") {
    auto p = parse_ctl_args("consent revoke", rest, {"--reason"}, opts, err);
    return p ? revoke(config, *p, opts, out, err) : 2;
  }
  err << "relaisctl consent: expected `consent add`, `consent list` or `consent revoke N`\n";
  return 2;
}

}  // namespace relais::daemon
