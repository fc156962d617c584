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

#include "daemon/ctl_args.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/ctl_store.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/address.hpp"
#include "workflow/ascii.hpp"
#include "workflow/blob_store.hpp"
#include "workflow/case_desk.hpp"

namespace relais::daemon {
namespace json = boost::json;
namespace fs = std::filesystem;
using workflow::ConsentRow;
using workflow::ConsentScope;
using workflow::PersonRow;
using workflow::plausible_address;
using workflow::Store;
using workflow::TimePoint;

namespace {

constexpr std::size_t kNameMax = 200;
constexpr std::size_t kTextMax = 5000;

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// "YYYY-MM-DD", a real calendar day.
std::optional<std::chrono::year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto number = [&s](std::size_t at, std::size_t len, auto& value) {
    const auto* first = s.data() + at;
    const auto [end, ec] = std::from_chars(first, first + len, value);
    return ec == std::errc{} && end == first + len &&
           std::isdigit(static_cast<unsigned char>(*first));
  };
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d))
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok())
    return std::nullopt;
  return ymd;
}

// The local midnight that starts that day (nullopt in the rare zone where it does not exist).
std::optional<TimePoint> local_start(std::chrono::year_month_day ymd) {
  const auto text =
      fmt::format("{:04}-{:02}-{:02}T00:00", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  auto t = parse_input(text);
  if (t && format_input(*t) != text)
    t.reset();
  return t;
}

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

// active, not yet valid, expired or revoked.
std::string status_of(const ConsentRow& c, TimePoint now) {
  if (c.revoked_at)
    return "revoked";
  if (c.expires_at && *c.expires_at <= now)
    return "expired";
  if (c.valid_from && *c.valid_from > now)
    return "not yet valid";
  return "active";
}

json::value optional_iso(const std::optional<TimePoint>& t) {
  return t ? json::value(iso_utc(*t)) : json::value();
}

json::object consent_json(const ConsentRow& c, const std::optional<PersonRow>& person,
                          const std::string& request_ref, TimePoint now) {
  json::object p;
  if (person)
    p = {{"id", person->id}, {"name", person->name}, {"email", person->email}};
  return {{"id", c.id},
          {"person", p},
          {"scope", workflow::to_string(c.scope)},
          {"request", request_ref.empty() ? json::value() : json::value(request_ref)},
          {"valid_from", optional_iso(c.valid_from)},
          {"expires_at", optional_iso(c.expires_at)},
          {"evidence_sha256", c.evidence_sha256},
          {"evidence_name", c.evidence_name},
          {"given_at", iso_utc(c.given_at)},
          {"revoked_at", optional_iso(c.revoked_at)},
          {"revoked_by", c.revoked_by},
          {"minor", c.minor},
          {"note", c.note},
          {"status", status_of(c, now)}};
}

std::string reference_of(Store& store, const std::optional<std::int64_t>& request_id) {
  if (!request_id)
    return {};
  const auto r = store.load_request(*request_id);
  return r ? r->reference : std::to_string(*request_id);
}

// Validated `consent add` flags, before anything touches the store.
struct AddRequest {
  std::string name, email, request, note;
  std::optional<TimePoint> from, until;
  std::optional<fs::path> evidence;
  bool minor = false;
};

std::optional<AddRequest> read_add(const CtlParsed& p, std::ostream& err) {
  auto usage = [&err](std::string_view sentence) {
    err << "relaisctl consent add: " << sentence << '\n';
    return std::nullopt;
  };
  if (!p.positional.empty())
    return usage("unexpected argument " + terminal_text(p.positional[0], 40));
  AddRequest a;
  const auto* name = value_of(p, "--name");
  if (!name || is_blank(*name))
    return usage("--name NAME is required");
  a.name = std::string(trim(*name));
  if (a.name.size() > kNameMax || has_control(a.name))
    return usage(fmt::format("--name must be one line of at most {} bytes", kNameMax));
  if (const auto* email = value_of(p, "--email")) {
    a.email = lower(trim(*email));
    if (!plausible_address(a.email))
      return usage("--email must be a plain address such as lea@example.org");
  }
  const auto* request = value_of(p, "--request");
  const auto* from = value_of(p, "--from");
  const auto* until = value_of(p, "--until");
  if (request && (from || until))
    return usage("give either --request ID or --from DATE --until DATE, not both");
  if (request) {
    a.request = *request;
  } else if (!from || !until) {
    return usage("what does it cover? --request ID, or --from DATE --until DATE");
  } else {
    const auto first = parse_date(*from);
    const auto last = parse_date(*until);
    if (!first || !last)
      return usage("dates are YYYY-MM-DD (got " + terminal_text(first ? *until : *from, 20) + ")");
    a.from = local_start(*first);
    a.until = local_start(std::chrono::sys_days(*last) + std::chrono::days(1));
    if (!a.from || !a.until)
      return usage("a date has no local midnight in this time zone");
    if (*a.until <= *a.from)
      return usage("--until is before --from");
  }
  if (const auto* evidence = value_of(p, "--evidence"))
    a.evidence = fs::path(*evidence);
  a.minor = has_switch(p, "--minor");
  if (const auto* note = value_of(p, "--note")) {
    if (note->size() > kTextMax)
      return usage(fmt::format("--note is longer than {} bytes", kTextMax));
    a.note = *note;
  }
  return a;
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
  const auto a = read_add(p, err);
  if (!a)
    return 2;
  auto opened = open_store_for_writing(config);
  if (!opened) {
    err << opened.error().message << '\n';
    return 1;
  }
  std::string evidence_sha;
  if (a->evidence) {
    auto stored = store_evidence(config, *a->evidence);
    if (!stored) {
      err << "relaisctl consent add: " << stored.error().message << '\n';
      return 1;
    }
    evidence_sha = *stored;
  }
  Store& store = **opened;
  const auto now = now_of(opts);
  const std::string actor = opts.actor.empty() ? "cli" : opts.actor;
  return guarded(err, [&] {
    store.begin();
    try {
      ConsentRow c;
      std::string request_ref;
      if (!a->request.empty()) {
        const auto r = store.find_request(a->request);
        if (!r) {
          store.rollback();
          err << "relaisctl consent add: no request " << terminal_text(a->request, 80) << '\n';
          return 1;
        }
        c.scope = ConsentScope::request;
        c.request_id = r->id;
        request_ref = r->reference;
      } else {
        c.scope = ConsentScope::period;
        c.valid_from = a->from;
        c.expires_at = a->until;
      }
      std::optional<PersonRow> person;
      if (!a->email.empty()) {
        person = store.find_person_by_email(a->email);
      } else {
        auto named = store.find_persons_by_name(a->name);
        if (named.size() > 1) {
          store.rollback();
          std::string ids;
          for (const auto& n : named)
            ids += fmt::format("{}{}", ids.empty() ? "" : ", ", n.id);
          err << fmt::format(
              "relaisctl consent add: several persons have that name (ids {}); give --email\n",
              ids);
          return 1;
        }
        if (!named.empty())
          person = named.front();
      }
      const bool new_person = !person;
      if (!person) {
        PersonRow row{0, a->name, a->email, "", now};
        row.id = store.add_person(row, actor, "cli");
        person = store.load_person(row.id);
      }
      c.person_id = person->id;
      c.evidence_sha256 = evidence_sha;
      c.evidence_name = a->evidence ? a->evidence->filename().string() : "";
      c.given_at = c.created_at = now;
      c.minor = a->minor;
      c.note = a->note;
      c.id = store.add_consent(c, actor, "cli");
      if (c.request_id)
        store.link_person({person->id, *c.request_id, std::nullopt, "consent", now}, actor);
      store.commit();
      if (p.json) {
        print_json(out, consent_json(c, person, request_ref, now));
      } else {
        out << fmt::format("consent {} recorded: {} (person {}{}), {}{}\n", c.id,
                           terminal_text(person->name, 80), person->id, new_person ? ", new" : "",
                           covers(c, request_ref), c.minor ? ", minor" : "");
      }
      return 0;
    } catch (...) {
      store.rollback();
      throw;
    }
  });
}

int list(const Config& config, const CtlParsed& p, const CtlOptions& opts, std::ostream& out,
         std::ostream& err) {
  if (!p.positional.empty() || !p.values.empty()) {
    err << "relaisctl consent list: takes no arguments\n";
    return 2;
  }
  auto opened = open_store_for_reading(config);
  if (!opened) {
    err << opened.error().message << '\n';
    return 1;
  }
  return guarded(err, [&] {
    Store& store = **opened;
    const auto now = now_of(opts);
    const auto consents = store.list_consents(std::nullopt);
    json::array a;
    std::vector<std::vector<std::string>> rows{
        {"ID", "PERSON", "EMAIL", "SCOPE", "COVERS", "GIVEN", "STATUS"}};
    for (const auto& c : consents) {
      const auto person = store.load_person(c.person_id);
      const auto ref = reference_of(store, c.request_id);
      if (p.json) {
        a.push_back(consent_json(c, person, ref, now));
        continue;
      }
      rows.push_back({std::to_string(c.id), person ? terminal_text(person->name, 40) : "?",
                      person ? terminal_text(person->email, 40) : "",
                      std::string(workflow::to_string(c.scope)) + (c.minor ? ", minor" : ""),
                      covers(c, ref), local_date(c.given_at),
                      c.revoked_at ? "revoked " + local_date(*c.revoked_at) : status_of(c, now)});
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
  if (reason && (is_blank(*reason) || reason->size() > kTextMax)) {
    err << fmt::format("relaisctl consent revoke: --reason must be 1 to {} bytes of text\n",
                       kTextMax);
    return 2;
  }
  auto opened = open_store_for_writing(config);
  if (!opened) {
    err << opened.error().message << '\n';
    return 1;
  }
  Store& store = **opened;
  const auto now = now_of(opts);
  const std::string actor = opts.actor.empty() ? "cli" : opts.actor;
  return guarded(err, [&] {
    store.begin();
    try {
      workflow::Engine engine(make_policy(config));
      workflow::CaseDesk desk(engine, make_case_settings(config));
      auto result = desk.revoke_consent(store, id, actor, now);
      if (const auto* refusal = std::get_if<std::string>(&result)) {
        store.rollback();
        err << fmt::format("refused: {} (nothing changed)\n", *refusal);
        return 1;
      }
      if (reason)
        store.add_consent_note(id, "revoked: " + *reason, actor, "cli", now);
      const auto& opened_case = std::get<std::optional<workflow::TakedownCase>>(result);
      std::vector<std::string> refs;
      if (opened_case) {
        for (const auto& m : store.case_matches(opened_case->id)) {
          auto ref = reference_of(store, m.request_id);
          if (std::find(refs.begin(), refs.end(), ref) == refs.end())
            refs.push_back(std::move(ref));
        }
      }
      store.commit();
      if (p.json) {
        json::array requests;
        for (const auto& r : refs)
          requests.emplace_back(r);
        print_json(
            out, json::object{
                     {"consent", id},
                     {"revoked_at", iso_utc(now)},
                     {"case", opened_case ? json::value(opened_case->reference) : nullptr},
                     {"case_state",
                      opened_case ? json::value(workflow::to_string(opened_case->state)) : nullptr},
                     {"requests", requests}});
      } else if (opened_case) {
        std::string list;
        for (const auto& r : refs)
          list += (list.empty() ? "" : ", ") + r;
        out << fmt::format("consent {} revoked; case {} opened ({}) for {}\n", id,
                           opened_case->reference, workflow::to_string(opened_case->state), list);
      } else {
        out << fmt::format("consent {} revoked; nothing it covered is live\n", id);
      }
      return 0;
    } catch (...) {
      store.rollback();
      throw;
    }
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
