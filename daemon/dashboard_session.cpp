// The login link answers the same whatever the address, so that the form never tells who may
// log in; a few requests an hour per address and per peer are served, the rest are dropped
// quietly (logged). Session and login tokens are 32 random bytes; only their SHA-256 is stored.
#include "daemon/dashboard_session.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "connectors/email/mime_form_data.hpp"
#include "daemon/takedown_form.hpp"
#include "workflow/address.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/ascii.hpp"
#include "workflow/sha256.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;
using workflow::TimePoint;

namespace {

// Per address: one link every two minutes (at most 30 mails an hour), no hourly cap, so that
// whoever floods the form with someone else's address delays their link by two minutes at most;
// per client network, thirty links an hour.
constexpr auto kLinkSpacing = std::chrono::minutes(2);
constexpr int kPeerLinksPerHour = 30;

bool secure_cookies(const Services& s) {
  return s.config.http.public_url.starts_with("https://");
}

// The login form has no session yet: its CSRF field is bound to the day, so that a page kept
// open overnight still works and a forged form from another site cannot be made in advance.
std::string login_csrf(const Services& s, TimePoint at, int days_back = 0) {
  const auto day = std::chrono::floor<std::chrono::days>(at).time_since_epoch().count() - days_back;
  return workflow::hmac_sha256_hex(s.token_key, fmt::format("dashboard-login|{}", day));
}

bool login_csrf_ok(const Services& s, std::string_view given, TimePoint at) {
  return same_secret(given, login_csrf(s, at, 0)) || same_secret(given, login_csrf(s, at, 1));
}

connectors::email::FormData form_of(const HttpRequest& req) {
  auto form = connectors::email::parse_form_body(req[http::field::content_type], req.body(),
                                                 {256 * 1024, 50, 0});
  return form ? std::move(*form) : connectors::email::FormData{};
}

std::string_view lang_of(const Services& s) {
  return s.config.general.language;
}

boost::asio::awaitable<HttpResponse> send_link(Services& s, ApprovalPages& pages,
                                               const HttpRequest& req, const HttpPeer& peer) {
  const auto form = form_of(req);
  const auto at = workflow::now_ms();
  json::object ctx{{"csrf", login_csrf(s, at)}};
  if (!login_csrf_ok(s, form.field("csrf"), at)) {
    ctx["error"] = json::object{{"csrf", true}};
    co_return pages.page(http::status::bad_request, lang_of(s), "dash_login.html", ctx);
  }
  const std::string address = lower(trim(form.field("address")));
  if (!workflow::plausible_address(address)) {
    ctx["error"] = json::object{{"address", true}};
    ctx["address"] = std::string(form.field("address").substr(0, 200));
    co_return pages.page(http::status::bad_request, lang_of(s), "dash_login.html", ctx);
  }
  const auto role = dashboard_role(s.config, address);
  auto job = [&s, &address, &peer, role, at](Store& store) {
    const auto since = at - std::chrono::hours(1);
    const std::string key = rate_key(s.token_key, "login", address);
    const std::string peer_key = rate_key(s.token_key, "login-net", rate_network(peer.address));
    if (store.count_form_hits(key, at - kLinkSpacing) > 0 ||
        store.count_form_hits(peer_key, since) >= kPeerLinksPerHour)
      return std::string("limited");
    store.add_form_hit(key, at);
    store.add_form_hit(peer_key, at);
    if (!role)
      return std::string("not a dashboard address");
    workflow::OutboxRow row;
    // Keyed by a hash: the effect key shows in logs, the address must not.
    row.effect_key = fmt::format("dashboard_login:{}:{}", key.substr(key.find(':') + 1, 16),
                                 workflow::to_millis(at));
    row.kind = workflow::EffectKind::mail;
    row.due_at = at;
    row.payload = json::serialize(json::object{{"name", "dashboard_login"},
                                               {"recipient", address},
                                               {"context", json::object{{"role", *role}}}});
    store.enqueue(row);
    return std::string("sent");
  };
  try {
    const auto outcome = co_await s.writer.run(job);
    // The address is a person's: logged only when it is one of the configured ones.
    spdlog::info("dashboard login link outcome=\"{}\"{}", outcome,
                 role ? fmt::format(" role={}", *role) : "");
    if (outcome == "sent" && s.wake_dispatcher)
      s.wake_dispatcher();
  } catch (const std::exception& e) {
    spdlog::error("dashboard login link not recorded error=\"{}\"", e.what());
    ctx["error"] = json::object{{"internal", true}};
    co_return pages.page(http::status::service_unavailable, lang_of(s), "dash_login.html", ctx);
  }
  ctx["sent"] = true;
  ctx["minutes"] = std::chrono::minutes(kLoginLifetime).count();
  co_return pages.page(http::status::ok, lang_of(s), "dash_login.html", ctx);
}

boost::asio::awaitable<HttpResponse> open_session(Services& s, ApprovalPages& pages,
                                                  const std::string& raw, const HttpRequest& req) {
  const auto form = form_of(req);
  if (!workflow::csrf_matches(s.token_key, raw, form.field("csrf"))) {
    co_return pages.page(http::status::bad_request, lang_of(s), "dash_login.html",
                         json::object{{"csrf", login_csrf(s, workflow::now_ms())},
                                      {"error", json::object{{"csrf", true}}}});
  }
  const std::string session_raw = workflow::base64url(workflow::random_token_bytes());
  const std::string csrf = workflow::sha256_hex(workflow::random_token_bytes());
  auto job = [&s, &raw, &session_raw, &csrf,
              at = workflow::now_ms()](Store& store) -> std::optional<std::string> {
    auto address = store.use_login(workflow::token_hash(raw), at);
    if (!address || !dashboard_role(s.config, *address))
      return std::nullopt;  // no longer one of the configured people: no session
    store.insert_session(workflow::token_hash(session_raw), {*address, csrf, at + kSessionLifetime},
                         at);
    store.prune_dashboard(at - std::chrono::days(1));
    return address;
  };
  std::optional<std::string> address;
  try {
    address = co_await s.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("dashboard session not opened error=\"{}\"", e.what());
    co_return pages.page(http::status::service_unavailable, lang_of(s), "dash_login.html",
                         json::object{{"csrf", login_csrf(s, workflow::now_ms())},
                                      {"error", json::object{{"internal", true}}}});
  }
  if (!address) {
    spdlog::info("dashboard login refused reason=link");
    co_return pages.page(http::status::gone, lang_of(s), "dash_login.html",
                         json::object{{"csrf", login_csrf(s, workflow::now_ms())},
                                      {"error", json::object{{"link", true}}}});
  }
  spdlog::info("dashboard session opened role={}", dashboard_role(s.config, *address).value_or(""));
  HttpResponse res = see_other("/d/");
  res.set(http::field::set_cookie, session_cookie(session_raw, secure_cookies(s)));
  co_return res;
}

boost::asio::awaitable<HttpResponse> close_session(Services& s, const HttpRequest& req) {
  const auto user = co_await current_user(s, req);
  const auto form = form_of(req);
  if (user && !same_secret(form.field("csrf"), user->csrf))
    co_return plain(http::status::forbidden,
                    "Formulaire expiré : rechargez la page. / The form has expired: reload the "
                    "page.\n");
  if (user) {
    auto job = [&user, at = workflow::now_ms()](Store& store) {
      store.end_session(user->session_hash, at);
      return true;
    };
    try {
      co_await s.writer.run(job);
    } catch (const std::exception& e) {
      spdlog::error("dashboard session not closed error=\"{}\"", e.what());
    }
  }
  HttpResponse res = see_other("/d/login");
  res.set(http::field::set_cookie, session_cookie("", secure_cookies(s)));
  co_return res;
}

}  // namespace

HttpResponse see_other(std::string_view location) {
  HttpResponse res = plain(http::status::see_other, "");
  res.set(http::field::location, location);
  res.set(http::field::cache_control, "no-store");
  return res;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> dashboard_role(const Config& config, std::string_view address) {
  const auto& r = config.referent;
  if (address.empty())
    return std::nullopt;
  if (iequals(address, r.address))
    return "referent";
  if (!r.backup_address.empty() && iequals(address, r.backup_address))
    return "backup";
  if (!r.admin_address.empty() && iequals(address, r.admin_address))
    return "admin";
  return std::nullopt;
}

std::string cookie_of(const HttpRequest& req, std::string_view name) {
  const auto [first, last] = req.equal_range(http::field::cookie);
  for (auto it = first; it != last; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name)
        return std::string(trim(pair.substr(eq + 1)));
    }
  }
  return {};
}

std::string session_cookie(std::string_view raw, bool secure) {
  const auto max_age = raw.empty() ? 0 : std::chrono::seconds(kSessionLifetime).count();
  return fmt::format("{}={}; Path=/d; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, raw,
                     max_age, secure ? "; Secure" : "");
}

boost::asio::awaitable<std::optional<DashboardUser>> current_user(Services& s,
                                                                  const HttpRequest& req) {
  const std::string raw = cookie_of(req, kSessionCookie);
  if (!workflow::plausible_raw_token(raw))
    co_return std::nullopt;
  auto job = [&s, &raw]() -> std::optional<DashboardUser> {
    const auto hash = workflow::token_hash(raw);
    auto session = s.readers.store().find_session(hash, workflow::now_ms());
    if (!session)
      return std::nullopt;
    auto role = dashboard_role(s.config, session->address);
    if (!role)
      return std::nullopt;
    return DashboardUser{session->address, *role, session->csrf, hash};
  };
  std::optional<DashboardUser> user;
  try {
    user = co_await on_pool(s.pool, job);
  } catch (const std::exception& e) {  // the store failing: no session rather than no answer
    spdlog::error("dashboard session lookup failed error=\"{}\"", e.what());
  }
  co_return user;
}

boost::asio::awaitable<HttpResponse> route_login(Services& s, ApprovalPages& pages,
                                                 std::string rest, const HttpRequest& req,
                                                 const HttpPeer& peer) {
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool post = req.method() == http::verb::post;
  if (rest == "login") {
    if (get) {
      co_return pages.page(http::status::ok, lang_of(s), "dash_login.html",
                           json::object{{"csrf", login_csrf(s, workflow::now_ms())}});
    }
    if (post) {
      auto answer = co_await send_link(s, pages, req, peer);
      co_return answer;
    }
    co_return plain(http::status::method_not_allowed, "Method not allowed\n");
  }
  if (rest == "logout") {
    if (!post)
      co_return plain(http::status::method_not_allowed, "Method not allowed\n");
    auto answer = co_await close_session(s, req);
    co_return answer;
  }
  const std::string raw = rest.substr(6);  // after "login/"
  if (!workflow::plausible_raw_token(raw)) {
    co_return pages.page(http::status::not_found, lang_of(s), "dash_login.html",
                         json::object{{"csrf", login_csrf(s, workflow::now_ms())},
                                      {"error", json::object{{"link", true}}}});
  }
  if (get) {  // a button only: a mail scanner's GET opens nothing
    co_return pages.page(
        http::status::ok, lang_of(s), "dash_login.html",
        json::object{{"confirm", json::object{{"csrf", workflow::csrf_for(s.token_key, raw)}}}});
  }
  if (!post)
    co_return plain(http::status::method_not_allowed, "Method not allowed\n");
  auto answer = co_await open_session(s, pages, raw, req);
  co_return answer;
}

void issue_login_link(Store& store, MailJob& job, const Services& s, TimePoint now) {
  if (job.to.empty() || !dashboard_role(s.config, job.to.front())) {
    job.skip_reason = "not a dashboard address";
    return;
  }
  const std::string raw = workflow::base64url(workflow::random_token_bytes());
  store.insert_login(workflow::token_hash(raw), job.to.front(), now, now + kLoginLifetime);
  job.context["login_url"] = fmt::format("{}/d/login/{}", s.config.http.public_url, raw);
  job.context["minutes"] = std::chrono::minutes(kLoginLifetime).count();
}

HttpResponse dashboard_page(ApprovalPages& pages, Services& s, http::status status,
                            std::string_view name, const json::object& ctx) {
  const auto lang = lang_of(s);
  auto main = s.templates.render(lang, name, json::value(ctx));
  if (!main) {
    spdlog::error("dashboard template failed name={} error=\"{}\"", name, main.error().message);
    return plain(http::status::internal_server_error,
                 "Erreur interne : la page ne peut pas être affichée. / Internal error.\n");
  }
  json::object layout = ctx;
  layout["main"] = std::move(*main);
  return pages.page(status, lang, "dash_layout.html", layout);
}

}  // namespace relais::daemon
