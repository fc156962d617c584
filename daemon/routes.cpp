// Unknown paths get 404, wrong methods 405; no page ever shows an internal detail.
#include "daemon/routes.hpp"
#include "daemon/static_files.hpp"

#include "daemon/api.hpp"
#include "daemon/case_pages.hpp"
#include "daemon/completion_form.hpp"
#include "daemon/dashboard.hpp"
#include "daemon/ics_feed.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include <fstream>
#include <sstream>

#include "daemon/hooks.hpp"
#include "daemon/takedown_form.hpp"

namespace relais::daemon {
namespace {

std::string_view content_type_for(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html")
    return "text/html; charset=utf-8";
  if (ext == ".xml")
    return "application/atom+xml; charset=utf-8";
  if (ext == ".jpg" || ext == ".jpeg")
    return "image/jpeg";
  if (ext == ".png")
    return "image/png";
  if (ext == ".webp")
    return "image/webp";
  if (ext == ".gif")
    return "image/gif";
  if (ext == ".mp4")
    return "video/mp4";
  if (ext == ".webm")
    return "video/webm";
  if (ext == ".json")
    return "application/json";
  return "application/octet-stream";
}

}  // namespace

std::optional<std::filesystem::path> site_file(const std::filesystem::path& dir,
                                               std::string_view rest) {
  if (rest.empty())
    rest = "index.html";
  std::string_view name = rest;
  std::filesystem::path sub;
  if (name.starts_with("media/")) {
    sub = "media";
    name.remove_prefix(6);
  }
  if (name.empty() || name.front() == '.' || name.size() > 200)
    return std::nullopt;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return std::nullopt;
    }
  }
  if (name == "entries.json")
    return std::nullopt;  // internal state of the channel
  return dir / sub / std::string(name);
}

std::string render_metrics(Services& s, workflow::Store& reader) {
  std::string out;
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  out += "# HELP relais_requests Publication requests by state.\n# TYPE relais_requests gauge\n";
  for (const auto& [state, n] : reader.count_by_state()) {
    out += fmt::format("relais_requests{{state=\"{}\"}} {}\n", state, n);
  }
  out += fmt::format(
      "# HELP relais_outbox_depth Effects waiting to run.\n# TYPE relais_outbox_depth "
      "gauge\nrelais_outbox_depth {}\n",
      reader.outbox_depth());
  const auto& m = s.metrics;
  out +=
      "# HELP relais_mail_total Inbound messages by outcome.\n# TYPE relais_mail_total counter\n";
  out += fmt::format("relais_mail_total{{outcome=\"accepted\"}} {}\n", m.mail_accepted.load());
  out += fmt::format("relais_mail_total{{outcome=\"refused\"}} {}\n", m.mail_refused.load());
  out += fmt::format("relais_mail_total{{outcome=\"duplicate\"}} {}\n", m.mail_duplicate.load());
  out +=
      fmt::format("relais_mail_total{{outcome=\"quarantined\"}} {}\n", m.mail_quarantined.load());
  out += fmt::format("relais_mail_total{{outcome=\"tempfail\"}} {}\n", m.mail_tempfail.load());
  counter("relais_transitions_total", "State transitions committed.", m.transitions.load());
  counter("relais_refused_events_total", "Events refused as illegal.", m.refused_events.load());
  counter("relais_effects_done_total", "Outbox effects completed.", m.effects_done.load());
  counter("relais_effects_retried_total", "Outbox effects deferred for retry.",
          m.effects_retried.load());
  counter("relais_effects_failed_total", "Outbox effects given up.", m.effects_failed.load());
  counter("relais_http_requests_total", "HTTP requests served.", m.http_requests.load());
  counter("relais_store_commits_total", "Writer transactions committed.", s.writer.commits());
  return out;
}

Router make_router(Services& s, ApprovalPages& pages, std::filesystem::path site_dir) {
  return [&s, &pages, site_dir](HttpRequest req,
                                const HttpPeer& peer) -> boost::asio::awaitable<HttpResponse> {
    ++s.metrics.http_requests;
    const auto target = std::string(req.target());
    auto url = boost::urls::parse_origin_form(target);
    if (!url)
      co_return plain(http::status::bad_request, "Bad request\n");
    const std::string path = url->path();
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    const bool post = req.method() == http::verb::post;

    if (path == "/healthz") {
      co_return plain(http::status::ok, "ok\n");
    }
    if (path == "/metrics" && get) {
      auto job0 = [&s] { return render_metrics(s, s.readers.store()); };
      auto body = co_await on_pool(s.pool, job0);
      co_return plain(http::status::ok, std::move(body),
                      "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path.starts_with("/a/")) {  // the referent's approval links
      std::string preselect;
      for (auto p : url->params()) {
        if (p.key == "action")
          preselect = p.value;
      }
      auto answer = co_await route_approval_link(pages, path.substr(3), preselect, get, post, req);
      co_return answer;
    }
    if (path == "/api/v1" || path.starts_with("/api/v1/")) {
      auto answer = co_await route_api(s, path, req);
      co_return answer;
    }
    if (path == "/d" && get) {
      HttpResponse res = plain(http::status::found, "");
      res.set(http::field::location, "/d/");
      co_return res;
    }
    if (path.starts_with("/d/")) {  // the dashboard
      DashboardQuery query;
      for (auto p : url->params())
        query.emplace(p.key, p.value);
      auto answer = co_await route_dashboard(s, pages, path.substr(3), std::move(query), req, peer);
      co_return answer;
    }
    if (path.starts_with("/ics/") && get) {  // calendar feeds
      auto answer = co_await route_ics(s, path.substr(5));
      co_return answer;
    }
    if (path.starts_with("/hooks/")) {  // signed inbound webhooks
      auto answer = co_await route_hook(s, path.substr(7), req);
      co_return answer;
    }
    if (path.starts_with("/schemas/") && get) {
      co_return schema_file(path.substr(9));
    }
    if (path.starts_with("/static/") && get) {
      const auto file = static_file(path.substr(8));
      if (!file)
        co_return plain(http::status::not_found, "Not found\n");
      HttpResponse res{http::status::ok, 11};
      res.set(http::field::content_type, file->content_type);
      res.set(http::field::cache_control, "public, max-age=3600");
      res.set("X-Content-Type-Options", "nosniff");
      res.body() = std::string(file->body);
      co_return res;
    }
    if (path.starts_with("/c/")) {  // the agent's completion form
      auto answer = co_await route_completion_link(s, pages, path.substr(3), get, post, req.body());
      co_return answer;
    }
    if (path.starts_with("/t/")) {  // the referent's takedown links
      auto answer = co_await route_case_link(s, pages, path.substr(3), get, post, req.body());
      co_return answer;
    }
    if (path == "/site" || path.starts_with("/site/")) {
      if (!get)
        co_return plain(http::status::method_not_allowed, "Method not allowed\n");
      const auto file =
          site_file(site_dir, path.size() > 6 ? std::string_view(path).substr(6) : "");
      if (!file)
        co_return plain(http::status::not_found, "Not found\n");
      auto job1 = [f = *file]() -> std::optional<std::string> {
        std::ifstream in(f, std::ios::binary);
        if (!in)
          return std::nullopt;
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
      };
      auto bytes = co_await on_pool(s.pool, job1);
      if (!bytes)
        co_return plain(http::status::not_found, "Not found\n");
      co_return plain(http::status::ok, std::move(*bytes), content_type_for(*file));
    }
    if (path == "/takedown" || path.starts_with("/takedown/")) {  // the public takedown form
      TakedownQuery q;
      for (auto p : url->params()) {
        if (p.key == "lang")
          q.lang = p.value;
        else if (p.key == "ref")
          q.reference = p.value;
        else if (p.key == "confirm")
          q.confirm_sent = p.value == "1";
      }
      auto answer = co_await route_takedown_form(s, pages, path, q, req, peer);
      co_return answer;
    }
    if (path == "/" && get) {
      HttpResponse res = plain(http::status::found, "");
      res.set(http::field::location, "/site/");
      co_return res;
    }
    co_return plain(http::status::not_found, "Not found\n");
  };
}

}  // namespace relais::daemon
