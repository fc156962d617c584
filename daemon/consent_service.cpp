#include "daemon/consent_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include "daemon/ctl_render.hpp"
#include "daemon/local_time.hpp"
#include "workflow/address.hpp"
#include "workflow/ascii.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::ConsentRow;
using workflow::ConsentScope;
using workflow::PersonRow;
using workflow::Store;
using workflow::TimePoint;

namespace {

constexpr std::size_t kNameMax = 200;

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
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

json::value optional_iso(const std::optional<TimePoint>& t) {
  return t ? json::value(iso_utc(*t)) : json::value();
}

}  // namespace

std::variant<CheckedConsent, std::string> check_consent_input(const ConsentInput& in,
                                                              const ConsentFieldNames& names) {
  CheckedConsent out;
  out.input = in;
  auto& a = out.input;
  if (blank(in.name))
    return names.name + " is required";
  a.name = std::string(trim(in.name));
  if (a.name.size() > kNameMax || has_control(a.name))
    return fmt::format("{} must be one line of at most {} bytes", names.name, kNameMax);
  if (!blank(in.email)) {
    a.email = lower(trim(in.email));
    if (!workflow::plausible_address(a.email))
      return names.email + " must be a plain address such as lea@example.org";
  } else {
    a.email.clear();
  }
  const bool has_request = !blank(in.request);
  const bool has_period = !blank(in.from) || !blank(in.until);
  if (has_request && has_period) {
    return fmt::format("give either {} or {} and {}, not both", names.request, names.from,
                       names.until);
  }
  if (has_request) {
    a.request = std::string(trim(in.request));
  } else if (blank(in.from) || blank(in.until)) {
    return fmt::format("what does it cover? {}, or {} and {}", names.request, names.from,
                       names.until);
  } else {
    const auto first = parse_date(trim(in.from));
    const auto last = parse_date(trim(in.until));
    if (!first || !last) {
      return "dates are YYYY-MM-DD (got " +
             terminal_text(std::string(trim(first ? in.until : in.from)), 20) + ")";
    }
    out.from = local_start(*first);
    out.until = local_start(std::chrono::sys_days(*last) + std::chrono::days(1));
    if (!out.from || !out.until)
      return "a date has no local midnight in this time zone";
    if (*out.until <= *out.from)
      return names.until + " is before " + names.from;
  }
  if (a.note.size() > kConsentTextMax)
    return fmt::format("{} is longer than {} bytes", names.note, kConsentTextMax);
  return out;
}

std::variant<RecordedConsent, std::string> record_consent(Store& store, const CheckedConsent& in,
                                                          const ConsentFieldNames& names,
                                                          const std::string& actor,
                                                          const std::string& source,
                                                          TimePoint now) {
  const auto& a = in.input;
  RecordedConsent out;
  ConsentRow& c = out.consent;
  if (!a.request.empty()) {
    const auto r = store.find_request(a.request);
    if (!r)
      return "no request " + terminal_text(a.request, 80);
    c.scope = ConsentScope::request;
    c.request_id = r->id;
    out.request_reference = r->reference;
  } else {
    c.scope = ConsentScope::period;
    c.valid_from = in.from;
    c.expires_at = in.until;
  }
  std::optional<PersonRow> person;
  if (!a.email.empty()) {
    person = store.find_person_by_email(a.email);
  } else {
    auto named = store.find_persons_by_name(a.name);
    if (named.size() > 1) {
      std::string ids;
      for (const auto& n : named)
        ids += fmt::format("{}{}", ids.empty() ? "" : ", ", n.id);
      return fmt::format("several persons have that name (ids {}); give {}", ids, names.email);
    }
    if (!named.empty())
      person = named.front();
  }
  out.new_person = !person;
  if (!person) {
    PersonRow row{0, a.name, a.email, "", now};
    row.id = store.add_person(row, actor, source);
    person = store.load_person(row.id);
  }
  out.person = *person;
  c.person_id = person->id;
  c.evidence_sha256 = a.evidence_sha256;
  c.evidence_name = a.evidence_name;
  c.given_at = c.created_at = now;
  c.minor = a.minor;
  c.note = a.note;
  c.id = store.add_consent(c, actor, source);
  if (c.request_id)
    store.link_person({person->id, *c.request_id, std::nullopt, "consent", now}, actor);
  return out;
}

std::variant<RevokedConsent, std::string> revoke_consent(Store& store, workflow::CaseDesk& desk,
                                                         std::int64_t id, const std::string& reason,
                                                         const std::string& actor,
                                                         const std::string& source, TimePoint now) {
  auto result = desk.revoke_consent(store, id, actor, now);
  if (const auto* refusal = std::get_if<std::string>(&result))
    return *refusal;
  if (!reason.empty())
    store.add_consent_note(id, "revoked: " + reason, actor, source, now);
  RevokedConsent out;
  out.takedown = std::get<std::optional<workflow::TakedownCase>>(result);
  if (out.takedown) {
    for (const auto& m : store.case_matches(out.takedown->id)) {
      auto ref = request_reference(store, m.request_id);
      if (std::find(out.requests.begin(), out.requests.end(), ref) == out.requests.end())
        out.requests.push_back(std::move(ref));
    }
  }
  return out;
}

json::object revoked_json(std::int64_t id, TimePoint at, const RevokedConsent& revoked) {
  json::array requests;
  for (const auto& r : revoked.requests)
    requests.emplace_back(r);
  const auto& c = revoked.takedown;
  return {{"consent", id},
          {"revoked_at", iso_utc(at)},
          {"case", c ? json::value(c->reference) : nullptr},
          {"case_state", c ? json::value(workflow::to_string(c->state)) : nullptr},
          {"requests", std::move(requests)}};
}

std::string consent_status(const ConsentRow& c, TimePoint now) {
  if (c.revoked_at)
    return "revoked";
  if (c.expires_at && *c.expires_at <= now)
    return "expired";
  if (c.valid_from && *c.valid_from > now)
    return "not yet valid";
  return "active";
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
          {"status", consent_status(c, now)}};
}

std::string request_reference(Store& store, const std::optional<std::int64_t>& request_id) {
  if (!request_id)
    return {};
  const auto r = store.load_request(*request_id);
  return r ? r->reference : std::to_string(*request_id);
}

}  // namespace relais::daemon
