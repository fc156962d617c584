// Each page is one reader job on the worker pool; each form one writer job. A page asked for
// without a session goes to the login form; a form without the session's CSRF field changes
// nothing and says so.
#include "daemon/dashboard.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>

#include "connectors/email/mime_form_data.hpp"
#include "daemon/absence.hpp"
#include "daemon/local_time.hpp"
#include "workflow/approval_token.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;
using workflow::TimePoint;

namespace {

constexpr const char* kUnavailable =
    "Service momentanément indisponible : rien n'a été modifié, réessayez. / Service unavailable "
    "for a moment: nothing was changed, try again.\n";

std::optional<int> number(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < 0)
    return std::nullopt;
  return v;
}

// Each page's <title> (WCAG 2.4.2), by menu entry.
std::string_view title_of(std::string_view nav, std::string_view lang) {
  const bool en = lang == "en";
  if (nav == "home")
    return en ? "To do" : "À traiter";
  if (nav == "requests")
    return en ? "Requests" : "Demandes";
  if (nav == "calendar")
    return en ? "Calendar" : "Calendrier";
  if (nav == "cases")
    return en ? "Takedown requests" : "Droit à l'image";
  if (nav == "consents")
    return en ? "Consents" : "Consentements";
  if (nav == "channels")
    return en ? "Channels" : "Réseaux";
  if (nav == "quarantine")
    return en ? "Quarantine" : "Quarantaine";
  if (nav == "absences")
    return en ? "Absences" : "Absences";
  return en ? "Page not found" : "Page introuvable";
}

// The values the layout shows on every page: who is logged in, the CSRF field, the menu.
json::object frame(const DashboardUser& u, std::string_view nav, json::object view,
                   std::string_view lang) {
  view["user"] = json::object{{"address", u.address}, {"role", u.role}};
  view["role_" + u.role] = true;
  view["csrf"] = u.csrf;
  view["nav"] = json::object{{std::string(nav), true}};
  std::string title(title_of(nav, lang));
  if (const auto* subject = view.if_contains("reference"); subject && subject->is_string())
    title = std::string(subject->as_string()) + " — " + title;  // a request's page
  else if (const auto* t = view.if_contains("title"); t && t->is_string())
    title = std::string(t->as_string()) + " — " + title;  // the calendar's period
  view["page_title"] = title;
  return view;
}

template <class F>
boost::asio::awaitable<HttpResponse> show(Services& s, ApprovalPages& pages, const DashboardUser& u,
                                          std::string_view nav, std::string_view name, F& build) {
  std::optional<json::object> view;
  try {
    view = co_await on_pool(s.pool, build);
  } catch (const std::exception& e) {
    spdlog::error("dashboard page failed page={} error=\"{}\"", name, e.what());
    co_return plain(http::status::service_unavailable, kUnavailable);
  }
  if (!view)
    co_return dashboard_page(pages, s, http::status::not_found, "dash_missing.html",
                             frame(u, nav, {}, s.config.general.language));
  co_return dashboard_page(pages, s, http::status::ok, name,
                           frame(u, nav, std::move(*view), s.config.general.language));
}

boost::asio::awaitable<HttpResponse> post_absence(Services& s, ApprovalPages& pages,
                                                  const DashboardUser& u,
                                                  const connectors::email::FormData& form) {
  const auto& referent = s.config.referent;
  const std::string who_field = form.field("who");
  const std::string who = who_field == "backup"     ? referent.backup_address
                          : who_field == "referent" ? referent.address
                                                    : std::string();
  const std::string action = form.field("action");
  const auto at = workflow::now_ms();
  json::object error;
  std::optional<TimePoint> until;
  if (who.empty())
    error["who"] = true;
  if (action == "away") {
    if (const auto last = parse_date(form.field("until"))) {
      until = start_of_local_day(
          std::chrono::year_month_day(std::chrono::sys_days(*last) + std::chrono::days(1)));
      if (*until <= at)
        error["past"] = true;
    } else {
      error["until"] = true;
    }
  } else if (action != "back") {
    error["action"] = true;
  }
  if (!error.empty()) {
    auto build = [&s, at]() -> std::optional<json::object> {
      return absences_view(s.readers.store(), s, at);
    };
    std::optional<json::object> view;
    try {
      view = co_await on_pool(s.pool, build);
    } catch (const std::exception& e) {
      spdlog::error("dashboard page failed page=absences error=\"{}\"", e.what());
      co_return plain(http::status::service_unavailable, kUnavailable);
    }
    (*view)["error"] = std::move(error);
    co_return dashboard_page(pages, s, http::status::bad_request, "dash_absences.html",
                             frame(u, "absences", std::move(*view), s.config.general.language));
  }
  const std::string actor = "dashboard:" + u.address;
  auto job = [&s, &who, &action, &actor, until, at](Store& store) {
    if (action == "back")
      return store.end_absence(who, actor, "dashboard", at) ? 0 : -1;
    return record_absence(store, s.config.referent, who, at, *until, "dashboard", actor, at);
  };
  int outcome = 0;
  try {
    outcome = co_await s.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("dashboard absence not recorded error=\"{}\"", e.what());
    co_return plain(http::status::service_unavailable, kUnavailable);
  }
  if (s.wake_dispatcher)
    s.wake_dispatcher();
  spdlog::info("dashboard absence action={} who={} handed_over={}", action, who_field,
               std::max(outcome, 0));
  co_return see_other(fmt::format("/d/absences?done={}", outcome < 0 ? "none" : action));
}

boost::asio::awaitable<HttpResponse> new_feed(Services& s, const DashboardUser& u) {
  auto job = [&u, at = workflow::now_ms()](Store& store) {
    return store.next_calendar_generation(u.address, at);
  };
  try {
    co_await s.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("dashboard calendar feed not renewed error=\"{}\"", e.what());
    co_return plain(http::status::service_unavailable, kUnavailable);
  }
  spdlog::info("dashboard calendar feed renewed role={}", u.role);
  co_return see_other("/d/calendar?feed=new");
}

// The links the dashboard hands out are short-lived: they are opened at once.
constexpr auto kLinkLifetime = std::chrono::hours(1);

// The audit record says that this person took a link from the dashboard: the decision made
// through it is recorded under the same address, as from a mailed link.
void dashboard_link_audit(Store& store, const DashboardUser& u, std::string_view event,
                          std::optional<std::int64_t> request_id,
                          std::optional<std::int64_t> case_id, TimePoint at) {
  workflow::AuditRow row;
  row.kind = "dashboard";
  row.event = std::string(event);
  row.actor = "dashboard:" + u.address;
  row.source = "dashboard";
  row.detail = fmt::format(R"({{"role":"{}"}})", u.role);
  row.request_id = request_id.value_or(0);
  row.case_id = case_id;
  row.at = at;
  store.append_audit(row);
}

// /d/requests/ID/decide: a link of the person's own to the request's decision page (awaiting a
// decision) or to its retry/cancel page (failed), like the ones mailed; the page then acts as
// from the mail, audited under the person's address.
boost::asio::awaitable<HttpResponse> decide(Services& s, const DashboardUser& u,
                                            const std::string& id) {
  // The referent and the backup decide; the administrator may retry or cancel a failed one.
  const bool may_decide = u.role != "admin";
  const std::string random = workflow::random_token_bytes();
  // "" when the request has nothing to decide, nullopt when there is no such request.
  auto job = [&s, &u, &id, &random, may_decide,
              at = workflow::now_ms()](Store& store) -> std::optional<std::string> {
    const auto r = store.find_request(id);
    if (!r)
      return std::nullopt;
    const auto expires = at + kLinkLifetime;
    const bool waiting = r->state == workflow::State::awaiting_approval && may_decide;
    if (!waiting && r->state != workflow::State::failed)
      return std::string();
    auto token = waiting
                     ? workflow::issue_token(random, r->id, u.address,
                                             "approve,request_changes,reject", r->version, expires)
                     : workflow::issue_token(random, r->id, u.address, "retry,cancel",
                                             workflow::kAnyVersion, expires);
    store.insert_token(token.row);
    dashboard_link_audit(store, u, "decision_link", r->id, std::nullopt, at);
    return fmt::format("/a/{}?action={}", token.raw, waiting ? "approve" : "retry");
  };
  std::optional<std::string> link;
  try {
    link = co_await s.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("dashboard decision link not issued error=\"{}\"", e.what());
    co_return plain(http::status::service_unavailable, kUnavailable);
  }
  if (!link)
    co_return plain(http::status::not_found, "Not found\n");
  if (link->empty())
    co_return see_other("/d/requests/" + id);
  spdlog::info("dashboard decision link issued request={} role={}", id, u.role);
  co_return see_other(*link);
}

// /d/cases/REF/act: a link of the person's own to the case page that confirms one candidate's
// removal (field "match") or declares that nothing matches (field "none"), like the mailed ones.
boost::asio::awaitable<HttpResponse> act_on_case(Services& s, const DashboardUser& u,
                                                 const std::string& id,
                                                 const connectors::email::FormData& form) {
  if (u.role == "admin")  // takedown decisions are the referent's and the backup's
    co_return see_other("/d/cases/" + id);
  const std::string random = workflow::random_token_bytes();
  const auto match = number(form.field("match"));
  const bool none = form.field("none") == "1";
  auto job = [&s, &u, &id, &random, match, none,
              at = workflow::now_ms()](Store& store) -> std::optional<std::string> {
    const auto c = store.find_case(id);
    if (!c)
      return std::nullopt;
    const bool open =
        c->state == workflow::CaseState::matched || c->state == workflow::CaseState::unmatched;
    if (open && match) {
      const auto m = store.load_case_match(*match);
      if (m && m->case_id == c->id && !m->confirmed_at) {
        dashboard_link_audit(store, u, "case_link", std::nullopt, c->id, at);
        return "/t/" + s.cases.issue_link(store, *c, m->id, "confirm_removal", u.address, random,
                                          at, at + kLinkLifetime);
      }
    }
    if (none && c->state == workflow::CaseState::unmatched) {
      dashboard_link_audit(store, u, "case_link", std::nullopt, c->id, at);
      return "/t/" + s.cases.issue_link(store, *c, std::nullopt, "declare_unmatched", u.address,
                                        random, at, at + kLinkLifetime);
    }
    return std::string();  // nothing to do (any more)
  };
  std::optional<std::string> link;
  try {
    link = co_await s.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("dashboard case link not issued error=\"{}\"", e.what());
    co_return plain(http::status::service_unavailable, kUnavailable);
  }
  if (!link)
    co_return plain(http::status::not_found, "Not found\n");
  if (link->empty())
    co_return see_other("/d/cases/" + id);
  spdlog::info("dashboard case link issued case={} role={}", id, u.role);
  co_return see_other(*link);
}

// /d/requests/ID/m/N, /d/requests/ID/m/N/poster, /d/requests/ID/m/N/original
boost::asio::awaitable<HttpResponse> media(ApprovalPages& pages, std::string_view rest,
                                           const HttpRequest& req) {
  const auto slash = rest.find("/m/");
  const auto id = number(rest.substr(0, slash));
  std::string_view tail = rest.substr(slash + 3);
  auto view = ApprovalPages::MediaView::preview;
  if (tail.ends_with("/poster")) {
    view = ApprovalPages::MediaView::poster;
    tail.remove_suffix(7);
  } else if (tail.ends_with("/original")) {
    view = ApprovalPages::MediaView::original;
    tail.remove_suffix(9);
  }
  const auto position = number(tail);
  if (!id || !position)
    co_return plain(http::status::not_found, "Not found\n");
  auto answer =
      co_await pages.request_media(*id, *position, view, std::string(req[http::field::range]));
  co_return answer;
}

}  // namespace

boost::asio::awaitable<HttpResponse> route_dashboard(Services& s, ApprovalPages& pages,
                                                     std::string rest, DashboardQuery query,
                                                     const HttpRequest& req, const HttpPeer& peer) {
  if (rest == "login" || rest == "logout" || rest.starts_with("login/")) {
    auto answer = co_await route_login(s, pages, std::move(rest), req, peer);
    co_return answer;
  }
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool post = req.method() == http::verb::post;
  const auto user = co_await current_user(s, req);
  if (!user) {
    if (get)
      co_return see_other("/d/login");
    co_return plain(http::status::forbidden,
                    "Session expirée : reconnectez-vous depuis /d/login. Rien n'a été modifié. / "
                    "Session expired: log in again from /d/login. Nothing was changed.\n");
  }
  const DashboardUser& u = *user;
  if (post) {
    auto form = connectors::email::parse_form_body(req[http::field::content_type], req.body(),
                                                   {256 * 1024, 50, 0});
    if (!form || !same_secret(form->field("csrf"), u.csrf)) {
      co_return plain(http::status::forbidden,
                      "Formulaire expiré : rechargez la page et recommencez. Rien n'a été "
                      "modifié. / The form has expired: reload the page and try again. Nothing "
                      "was changed.\n");
    }
    if (rest == "absences") {
      auto answer = co_await post_absence(s, pages, u, *form);
      co_return answer;
    }
    if (rest.starts_with("requests/") && rest.ends_with("/decide")) {
      const std::string id = rest.substr(9, rest.size() - 9 - 7);
      auto answer = co_await decide(s, u, id);
      co_return answer;
    }
    if (rest.starts_with("cases/") && rest.ends_with("/act")) {
      const std::string id = rest.substr(6, rest.size() - 6 - 4);
      auto answer = co_await act_on_case(s, u, id, *form);
      co_return answer;
    }
    if (rest == "calendar/feed") {
      auto answer = co_await new_feed(s, u);
      co_return answer;
    }
    co_return plain(http::status::method_not_allowed, "Method not allowed\n");
  }
  if (!get)
    co_return plain(http::status::method_not_allowed, "Method not allowed\n");
  const auto at = workflow::now_ms();
  if (rest.empty()) {
    auto build = [&s, &u, at]() -> std::optional<json::object> {
      return home_view(s.readers.store(), s, u, at);
    };
    auto answer = co_await show(s, pages, u, "home", "dash_home.html", build);
    co_return answer;
  }
  if (rest == "requests") {
    auto build = [&s, &query]() -> std::optional<json::object> {
      return requests_view(s.readers.store(), s, query);
    };
    auto answer = co_await show(s, pages, u, "requests", "dash_requests.html", build);
    co_return answer;
  }
  if (rest.starts_with("requests/")) {
    const std::string id = rest.substr(9);
    if (id.find("/m/") != std::string::npos) {
      auto answer = co_await media(pages, id, req);
      co_return answer;
    }
    auto build = [&s, &u, &id]() {
      auto view = request_view(s.readers.store(), s, id);
      if (view && u.role == "admin")
        (*view)["can_decide"] = false;
      return view;
    };
    auto answer = co_await show(s, pages, u, "requests", "dash_request.html", build);
    co_return answer;
  }
  if (rest == "calendar") {
    auto build = [&s, &u, &query, at]() -> std::optional<json::object> {
      auto view = calendar_view(s.readers.store(), s, u, query, at);
      view["feed_renewed"] = query.count("feed") > 0;
      return view;
    };
    auto answer = co_await show(s, pages, u, "calendar", "dash_calendar.html", build);
    co_return answer;
  }
  if (rest == "cases") {
    auto build = [&s, at]() -> std::optional<json::object> {
      return cases_view(s.readers.store(), s, at);
    };
    auto answer = co_await show(s, pages, u, "cases", "dash_cases.html", build);
    co_return answer;
  }
  if (rest.starts_with("cases/")) {
    const std::string id = rest.substr(6);
    auto build = [&s, &u, &id, at]() {
      auto view = case_view(s.readers.store(), s, id, at);
      if (view && u.role == "admin") {
        (*view)["can_confirm"] = false;
        (*view)["can_declare_none"] = false;
      }
      return view;
    };
    auto answer = co_await show(s, pages, u, "cases", "dash_case.html", build);
    co_return answer;
  }
  if (rest == "consents") {
    auto build = [&s, at]() -> std::optional<json::object> {
      return consents_view(s.readers.store(), s, at);
    };
    auto answer = co_await show(s, pages, u, "consents", "dash_consents.html", build);
    co_return answer;
  }
  if (rest == "channels") {
    auto build = [&s, at]() -> std::optional<json::object> {
      return channels_view(s.readers.store(), s, at);
    };
    auto answer = co_await show(s, pages, u, "channels", "dash_channels.html", build);
    co_return answer;
  }
  if (rest == "quarantine") {
    auto build = [&s]() -> std::optional<json::object> {
      return quarantine_view(s.readers.store(), s);
    };
    auto answer = co_await show(s, pages, u, "quarantine", "dash_quarantine.html", build);
    co_return answer;
  }
  if (rest == "absences") {
    auto build = [&s, &query, at]() -> std::optional<json::object> {
      auto view = absences_view(s.readers.store(), s, at);
      if (const auto it = query.find("done"); it != query.end())
        view["done"] = json::object{{it->second.substr(0, 10), true}};
      return view;
    };
    auto answer = co_await show(s, pages, u, "absences", "dash_absences.html", build);
    co_return answer;
  }
  co_return dashboard_page(pages, s, http::status::not_found, "dash_missing.html",
                           frame(u, "", {}, s.config.general.language));
}

}  // namespace relais::daemon
