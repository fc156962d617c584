// Labels are in the dashboard's language (general.language); values that come from outside
// (subjects, senders, texts) are escaped by the templates, never here.
#include "daemon/dashboard_views.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <charconv>

#include "daemon/case_mail.hpp"
#include "daemon/consent_service.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/local_time.hpp"
#include "daemon/mail_job.hpp"
#include "workflow/ascii.hpp"
#include "workflow/declaration.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::CaseState;
using workflow::State;
using workflow::Store;
using workflow::TimePoint;

namespace {

constexpr std::array kStates{State::received,          State::checking,   State::needs_changes,
                             State::awaiting_approval, State::scheduled,  State::publishing,
                             State::published,         State::taken_down, State::rejected,
                             State::withdrawn,         State::expired,    State::failed};

std::string_view lang_of(const Services& s) {
  return s.config.general.language;
}

int number_or(const DashboardQuery& q, const std::string& key, int fallback) {
  const auto it = q.find(key);
  if (it == q.end())
    return fallback;
  int v = 0;
  const auto [end, ec] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc{} && end == it->second.data() + it->second.size() ? v : fallback;
}

std::string value_of(const DashboardQuery& q, const std::string& key) {
  const auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

std::string_view severity_color(workflow::Severity s) {
  switch (s) {
    case workflow::Severity::blocking:
      return "red";
    case workflow::Severity::warning:
      return "amber";
    case workflow::Severity::info:
      break;
  }
  return "green";
}

std::string_view severity_label(workflow::Severity s, std::string_view lang) {
  const bool en = lang == "en";
  switch (s) {
    case workflow::Severity::blocking:
      return en ? "Blocking" : "Bloquant";
    case workflow::Severity::warning:
      return en ? "To check" : "À vérifier";
    case workflow::Severity::info:
      break;
  }
  return en ? "Note" : "Remarque";
}

std::string_view channel_status_label(workflow::ChannelStatus s, std::string_view lang) {
  using workflow::ChannelStatus;
  const bool en = lang == "en";
  switch (s) {
    case ChannelStatus::pending:
      return en ? "waiting" : "en attente";
    case ChannelStatus::unconfirmed:
      return en ? "being confirmed" : "en cours de confirmation";
    case ChannelStatus::published:
      return en ? "published" : "publiée";
    case ChannelStatus::failed:
      return en ? "failed" : "en échec";
    case ChannelStatus::removing:
      return en ? "being removed" : "en cours de retrait";
    case ChannelStatus::removed:
      return en ? "removed" : "retirée";
  }
  return "?";
}

// "lundi 30 novembre 2026": the last day of an absence that ends at the next midnight.
std::string last_day(TimePoint until, std::string_view lang) {
  const auto d = local_day(until - std::chrono::milliseconds(1));
  return fmt::format("{} {} {} {}", weekday_name(std::chrono::weekday(d).c_encoding(), lang),
                     static_cast<unsigned>(d.day()),
                     month_name(static_cast<unsigned>(d.month()), lang),
                     static_cast<int>(d.year()));
}

json::value when(const std::optional<TimePoint>& t, std::string_view lang) {
  return t ? json::value(format_local(*t, lang)) : json::value(nullptr);
}

}  // namespace

std::string_view state_label(State s, std::string_view lang) {
  const bool en = lang == "en";
  switch (s) {
    case State::initial:
      return en ? "New" : "Nouvelle";
    case State::received:
      return en ? "Received" : "Reçue";
    case State::checking:
      return en ? "Being checked" : "En vérification";
    case State::needs_changes:
      return en ? "Changes asked" : "Modifications demandées";
    case State::awaiting_approval:
      return en ? "Awaiting a decision" : "En attente de décision";
    case State::scheduled:
      return en ? "Scheduled" : "Programmée";
    case State::publishing:
      return en ? "Publishing" : "En cours de publication";
    case State::published:
      return en ? "Published" : "Publiée";
    case State::taken_down:
      return en ? "Taken down" : "Retirée (droit à l'image)";
    case State::rejected:
      return en ? "Rejected" : "Refusée";
    case State::withdrawn:
      return en ? "Withdrawn" : "Abandonnée";
    case State::expired:
      return en ? "Expired" : "Expirée";
    case State::failed:
      return en ? "Failed" : "En échec";
  }
  return "?";
}

std::string_view case_state_label(CaseState s, std::string_view lang) {
  const bool en = lang == "en";
  switch (s) {
    case CaseState::received:
      return en ? "Received" : "Reçue";
    case CaseState::matched:
      return en ? "Publications found" : "Publications trouvées";
    case CaseState::unmatched:
      return en ? "To be matched by the referent" : "À rapprocher par le référent";
    case CaseState::executed:
      return en ? "Removed" : "Retrait effectué";
    case CaseState::answered:
      return en ? "Answered" : "Réponse envoyée";
    case CaseState::closed:
      return en ? "Closed" : "Close";
  }
  return "?";
}

json::object request_line(const workflow::Request& r, std::string_view lang) {
  json::array channels;
  for (const auto& c : r.channels)
    channels.push_back(json::value(c.channel));
  return {{"id", r.id},
          {"reference", r.reference},
          {"subject", r.subject.empty() ? std::string("—") : r.subject},
          {"sender", r.sender_name.empty() ? r.sender : r.sender_name},
          {"state", workflow::to_string(r.state)},
          {"state_label", state_label(r.state, lang)},
          {"updated", format_local(r.updated_at, lang)},
          {"publish_at", when(r.publish_at, lang)},
          {"channels", std::move(channels)}};
}

json::object home_view(Store& store, const Services& s, const DashboardUser& u, TimePoint now) {
  const auto lang = lang_of(s);
  json::array waiting, failed, cases, upcoming, counts;
  const Store::RequestFilter waiting_filter{State::awaiting_approval, "", kDashboardPageSize, 0};
  const Store::RequestFilter failed_filter{State::failed, "", kDashboardPageSize, 0};
  for (const auto& r : store.search_requests(waiting_filter))
    waiting.push_back(request_line(r, lang));
  for (const auto& r : store.search_requests(failed_filter))
    failed.push_back(request_line(r, lang));
  const auto waiting_count = store.count_requests(waiting_filter);
  const auto failed_count = store.count_requests(failed_filter);
  for (const auto& c : store.list_cases(std::nullopt, 500)) {
    if (c.state == CaseState::closed || c.state == CaseState::answered)
      continue;
    cases.push_back({{"reference", c.reference},
                     {"state_label", case_state_label(c.state, lang)},
                     {"deadline", format_local(c.deadline_at, lang)},
                     {"overdue", c.deadline_at < now && !c.executed_at}});
  }
  for (const auto& r : store.requests_publishing_between(now, now + std::chrono::days(7))) {
    if (r.state == State::scheduled || r.state == State::publishing)
      upcoming.push_back(request_line(r, lang));
  }
  for (const auto& [state, n] : store.count_by_state()) {
    const auto parsed = workflow::parse_state(state);
    counts.push_back({{"state", state},
                      {"label", parsed ? state_label(*parsed, lang) : std::string_view(state)},
                      {"count", n}});
  }
  const std::string on_duty = referent_on_duty(store, s.config.referent, now);
  return {{"waiting", std::move(waiting)},
          {"waiting_count", waiting_count},
          {"waiting_more", waiting_count > kDashboardPageSize},
          {"failed_count", failed_count},
          {"failed_more", failed_count > kDashboardPageSize},
          {"failed", std::move(failed)},
          {"cases", std::move(cases)},
          {"upcoming", std::move(upcoming)},
          {"counts", std::move(counts)},
          {"on_duty", on_duty},
          {"me_on_duty", iequals(on_duty, u.address)}};
}

json::object requests_view(Store& store, const Services& s, const DashboardQuery& q) {
  const auto lang = lang_of(s);
  Store::RequestFilter f;
  const std::string state = value_of(q, "state");
  f.state = workflow::parse_state(state);
  f.words = std::string(trim(value_of(q, "q"))).substr(0, 200);
  const auto total = store.count_requests(f);
  const int pages = static_cast<int>(
      std::max<std::int64_t>(1, (total + kDashboardPageSize - 1) / kDashboardPageSize));
  const int page = std::clamp(number_or(q, "page", 1), 1, pages);
  f.limit = kDashboardPageSize;
  f.offset = (page - 1) * kDashboardPageSize;
  json::array rows, states;
  for (const auto& r : store.search_requests(f))
    rows.push_back(request_line(r, lang));
  for (const auto st : kStates) {
    states.push_back({{"name", workflow::to_string(st)},
                      {"label", state_label(st, lang)},
                      {"selected", f.state == st}});
  }
  auto link = [&](int p) {
    return fmt::format("/d/requests?state={}&q={}&page={}", f.state ? state : "",
                       boost::urls::encode(f.words, boost::urls::unreserved_chars), p);
  };
  return {{"rows", std::move(rows)},
          {"states", std::move(states)},
          {"q", f.words},
          {"total", total},
          {"page", page},
          {"pages", pages},
          {"prev", page > 1 ? json::value(link(page - 1)) : json::value(nullptr)},
          {"next", page < pages ? json::value(link(page + 1)) : json::value(nullptr)}};
}

std::optional<json::object> request_view(Store& store, const Services& s,
                                         std::string_view id_or_reference) {
  const auto lang = lang_of(s);
  auto r = store.find_request(id_or_reference);
  if (!r)
    return std::nullopt;
  json::object ctx = request_line(*r, lang);
  ctx["text"] = r->text;
  ctx["author"] = r->author;
  ctx["sender_address"] = r->sender;
  ctx["created"] = format_local(r->created_at, lang);
  ctx["note"] = r->note;
  ctx["can_decide"] = r->state == State::awaiting_approval;
  ctx["can_retry"] = r->state == State::failed;
  json::array images, videos, files, findings, channels, history;
  for (const auto& m : store.media_of(r->id)) {
    const auto base = fmt::format("/d/requests/{}/m/{}", r->id, m.position);
    json::object item{{"url", base},
                      {"original", base + "/original"},
                      {"name", m.filename.empty() ? std::string("—") : m.filename}};
    if (m.content_type.starts_with("image/") &&
        !workflow::is_consent_form(m.filename, m.content_type)) {
      images.push_back(std::move(item));
    } else if (m.content_type.starts_with("video/")) {
      item["poster"] = base + "/poster";
      videos.push_back(std::move(item));
    } else {
      files.push_back(std::move(item));
    }
  }
  for (const auto& f : r->findings) {
    findings.push_back({{"code", f.code},
                        {"severity", severity_label(f.severity, lang)},
                        {"color", severity_color(f.severity)},
                        {"message", f.message}});
  }
  for (const auto& c : r->channels) {
    // The networks' answer: shown as a link only when it is one.
    const bool link = c.url.starts_with("https://") || c.url.starts_with("http://");
    channels.push_back({{"name", c.channel},
                        {"status", channel_status_label(c.status, lang)},
                        {"url", link ? c.url : std::string()},
                        {"error", c.error}});
  }
  for (const auto& row : store.audit_rows(r->id, std::nullopt)) {
    history.push_back({{"at", format_local(row.at, lang)},
                       {"event", row.event},
                       {"from", row.from_state},
                       {"to", row.to_state},
                       {"actor", row.actor},
                       {"source", row.source},
                       {"detail", row.detail}});
  }
  ctx["images"] = std::move(images);
  ctx["videos"] = std::move(videos);
  ctx["files"] = std::move(files);
  ctx["findings"] = std::move(findings);
  ctx["channel_posts"] = std::move(channels);
  ctx["history"] = std::move(history);
  return ctx;
}

json::object cases_view(Store& store, const Services& s, TimePoint now) {
  const auto lang = lang_of(s);
  json::array open, done;
  for (const auto& c : store.list_cases(std::nullopt, 500)) {
    const bool finished = c.state == CaseState::answered || c.state == CaseState::closed;
    json::object line{{"id", c.id},
                      {"reference", c.reference},
                      {"state_label", case_state_label(c.state, lang)},
                      {"origin", c.origin},
                      {"requester", c.requester_name.empty() ? c.requester : c.requester_name},
                      {"received", format_local(c.received_at, lang)},
                      {"deadline", format_local(c.deadline_at, lang)},
                      {"executed", when(c.executed_at, lang)},
                      {"overdue", !c.executed_at && c.deadline_at < now}};
    (finished ? done : open).push_back(std::move(line));
  }
  return {{"open", std::move(open)}, {"done", std::move(done)}};
}

std::optional<json::object> case_view(Store& store, const Services& s,
                                      std::string_view id_or_reference, TimePoint now) {
  const auto c = store.find_case(id_or_reference);
  if (!c)
    return std::nullopt;
  json::object ctx = case_context(store, *c, s);
  const auto lang = lang_of(s);
  ctx["reference"] = c->reference;
  ctx["id"] = c->id;
  ctx["state_label"] = case_state_label(c->state, lang);
  ctx["received_at"] = format_local(c->received_at, lang);
  ctx["deadline"] = format_local(c->deadline_at, lang);
  ctx["overdue"] = !c->executed_at && c->deadline_at < now;
  ctx["executed"] = when(c->executed_at, lang);
  const bool open = c->state == CaseState::matched || c->state == CaseState::unmatched;
  ctx["can_confirm"] = open;
  ctx["can_declare_none"] = c->state == CaseState::unmatched;
  return ctx;
}

json::object consents_view(Store& store, const Services& s, TimePoint now) {
  const auto lang = lang_of(s);
  json::array rows;
  for (const auto& c : store.list_consents(std::nullopt)) {
    const auto person = store.load_person(c.person_id);
    const auto status = consent_status(c, now);
    rows.push_back({{"id", c.id},
                    {"name", person ? person->name : std::string("—")},
                    {"email", person ? person->email : std::string()},
                    {"request", request_reference(store, c.request_id)},
                    {"from", when(c.valid_from, lang)},
                    {"until", when(c.expires_at, lang)},
                    {"minor", c.minor},
                    {"evidence", !c.evidence_sha256.empty()},
                    {"status", status},
                    {"active", status == "active"}});
  }
  return {{"consents", std::move(rows)}};
}

json::object channels_view(Store& store, const Services& s, TimePoint now) {
  const auto lang = lang_of(s);
  const auto activity = store.channel_activity();
  json::array rows;
  for (const auto& ch : s.config.channels) {
    json::object row{{"name", ch.name}, {"type", ch.type}};
    if (const auto it = s.publishers.find(ch.name); it != s.publishers.end()) {
      if (const auto expires = it->second->credentials_expire_at()) {
        const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(*expires);
        const auto days = std::chrono::floor<std::chrono::days>(at - now).count();
        row["expires"] = format_local(at, lang);
        row["expires_days"] = days;
        row["expires_soon"] = days < 14;
      }
    }
    for (const auto& a : activity) {
      if (a.channel != ch.name)
        continue;
      row["published"] = a.published;
      row["last_published"] = when(a.last_published_at, lang);
      if (a.last_error_at) {
        row["last_error"] = json::object{{"text", a.last_error},
                                         {"reference", a.last_error_reference},
                                         {"at", format_local(*a.last_error_at, lang)}};
      }
    }
    rows.push_back(std::move(row));
  }
  return {{"channels", std::move(rows)}};
}

json::object quarantine_view(Store& store, const Services& s) {
  const auto lang = lang_of(s);
  json::array rows;
  for (const auto& q : store.list_quarantine()) {
    rows.push_back({{"id", q.id},
                    {"at", format_local(q.at, lang)},
                    {"reason", q.reason},
                    {"remote", q.remote},
                    {"size", q.size},
                    {"sha256", q.sha256.substr(0, 12)}});
  }
  return {{"rows", std::move(rows)}};
}

json::object absences_view(Store& store, const Services& s, TimePoint now) {
  const auto lang = lang_of(s);
  const auto& r = s.config.referent;
  json::array rows, people;
  for (const auto& a : store.absences_after(now)) {
    const auto role = dashboard_role(s.config, a.address);
    rows.push_back({{"address", a.address},
                    {"who", role ? *role : std::string("other")},
                    {"from", format_local(a.starts_at, lang)},
                    {"until", last_day(a.until, lang)},
                    {"now", a.starts_at <= now}});
  }
  people.push_back({{"value", "referent"}, {"address", r.address}});
  if (!r.backup_address.empty())
    people.push_back({{"value", "backup"}, {"address", r.backup_address}});
  return {{"absences", std::move(rows)},
          {"people", std::move(people)},
          {"on_duty", referent_on_duty(store, r, now)},
          {"today", format_input(now).substr(0, 10)}};
}

}  // namespace relais::daemon
