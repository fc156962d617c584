#include "daemon/completion_form.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include "daemon/link_lookup.hpp"
#include "daemon/mail_job.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/checks.hpp"
#include "workflow/transitions.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace workflow;

namespace {

constexpr std::size_t kFieldMax = 2000;
constexpr std::size_t kTextMax = 20000;

struct CompletionForm {
  std::string csrf, text, author, people, consent, event_date, contest_reason;
  std::vector<std::string> networks, contested;
};

CompletionForm parse(const std::string& body) {
  CompletionForm f;
  if (!boost::urls::parse_query(body))
    return f;
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  boost::urls::params_view params(boost::core::string_view(body.data(), body.size()), opt);
  for (auto p : params) {
    const std::string key = p.key;
    std::string value = p.value;
    if (key == "csrf")
      f.csrf = std::move(value);
    else if (key == "text")
      f.text = std::move(value);
    else if (key == "author")
      f.author = std::move(value);
    else if (key == "people")
      f.people = std::move(value);
    else if (key == "consent")
      f.consent = std::move(value);
    else if (key == "event_date")
      f.event_date = std::move(value);
    else if (key == "network")
      f.networks.push_back(std::move(value));
    else if (key == "contest")
      f.contested.push_back(std::move(value));
    else if (key == "contest_reason")
      f.contest_reason = std::move(value);
  }
  return f;
}

struct Loaded {
  std::optional<TokenProblem> problem;
  std::optional<Request> request;
  std::vector<MediaRow> media;
};

boost::asio::awaitable<HttpResponse> show(Services& s, ApprovalPages& pages,
                                          const std::string& raw) {
  const auto& lang = s.config.general.language;
  auto job = [&s, raw] {
    auto& store = s.readers.store();
    auto link = look_up_link(store, raw, "complete", workflow::now_ms());
    Loaded out{link.problem, std::move(link.request), {}};
    if (out.request)
      out.media = store.media_of(out.request->id);
    return out;
  };
  auto loaded = co_await on_pool(s.pool, job);
  if (loaded.problem) {
    auto refused =
        pages.page(http::status::gone, lang, "page_message.html",
                   problem_context(loaded.problem, loaded.request ? &*loaded.request : nullptr));
    co_return refused;
  }
  const Request& r = *loaded.request;
  json::object ctx = request_context(r, loaded.media, s);
  ctx["action_url"] = "/c/" + raw;
  ctx["csrf"] = csrf_for(s.token_key, raw);
  ctx["people"] = r.declaration.people;
  ctx["consent"] = r.declaration.consent;
  ctx["event_date"] = r.declaration.event_date;
  const auto wished = wished_channels(r, s.engine.policy());
  json::array options;
  for (const auto& name : s.engine.policy().known_channels) {
    options.push_back({{"name", name},
                       {"checked", std::find(wished.begin(), wished.end(), name) != wished.end()}});
  }
  ctx["channel_options"] = std::move(options);
  // What the agent may ask the referent to lift (workflow::contestable).
  // One box per code: a code stands for every photo it was found on (image.blurred...).
  json::array contestable;
  std::vector<std::string> seen;
  for (const auto& f : r.findings) {
    if (!workflow::contestable(r, f.code) ||
        std::find(seen.begin(), seen.end(), f.code) != seen.end())
      continue;
    seen.push_back(f.code);
    std::string message;
    for (const auto& same : r.findings) {
      if (same.code == f.code)
        message += (message.empty() ? "" : " ") + same.message;
    }
    contestable.push_back({{"code", f.code}, {"message", message}});
  }
  ctx["contestable"] = std::move(contestable);
  auto shown = pages.page(http::status::ok, lang, "page_completion.html", ctx);
  co_return shown;
}

boost::asio::awaitable<HttpResponse> act(Services& s, ApprovalPages& pages, const std::string& raw,
                                         const std::string& body) {
  const auto& lang = s.config.general.language;
  const CompletionForm form = parse(body);
  if (!csrf_matches(s.token_key, raw, form.csrf)) {
    spdlog::warn("completion refused problem=csrf");
    auto refused = pages.page(http::status::forbidden, lang, "page_message.html",
                              json::object{{"problem", json::object{{"csrf", true}}}});
    co_return refused;
  }
  if (form.text.size() > kTextMax || form.author.size() > kFieldMax ||
      form.people.size() > kFieldMax || form.consent.size() > kFieldMax ||
      form.event_date.size() > kFieldMax || form.contest_reason.size() > kFieldMax ||
      form.contested.size() > 50) {
    auto refused = pages.page(
        http::status::bad_request, lang, "page_message.html",
        json::object{{"input_error", json::object{{"too_long", true}}}, {"back_url", "/c/" + raw}});
    co_return refused;
  }
  if (!form.contested.empty() &&
      form.contest_reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    auto refused = pages.page(http::status::bad_request, lang, "page_message.html",
                              json::object{{"input_error", json::object{{"contest_reason", true}}},
                                           {"back_url", "/c/" + raw}});
    co_return refused;
  }
  struct Acted {
    std::optional<TokenProblem> problem;
    std::string refusal;
    std::optional<Request> request;
  };
  Acted acted;
  try {
    auto job = [&, at = workflow::now_ms()](Store& store) {
      auto link = look_up_link(store, raw, "complete", at);
      Acted out{link.problem, "", std::move(link.request)};
      if (out.problem)
        return out;
      const auto& token = link.token;
      Event e;
      e.kind = EventKind::agent_replied;
      e.at = at;
      e.actor = "agent:" + token->recipient;
      e.source = fmt::format("link:{}", token->id);
      e.text = form.text;
      e.author = form.author;
      e.declaration = Declaration{form.people, form.consent, form.event_date, form.networks};
      e.contested = form.contested;
      e.reason = form.contest_reason;
      auto handled = s.engine.handle(store, token->request_id, e);
      out.request = handled.request;
      if (!handled.applied) {
        out.refusal = handled.refusal;
        return out;
      }
      store.use_token(token->id, at, "complete");
      ++s.metrics.transitions;
      return out;
    };
    acted = co_await s.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("completion failed error=\"{}\"", e.what());
    auto failed = pages.page(http::status::service_unavailable, lang, "page_message.html",
                             json::object{{"problem", json::object{{"internal", true}}}});
    co_return failed;
  }
  const Request* r = acted.request ? &*acted.request : nullptr;
  if (acted.problem || !acted.refusal.empty()) {
    auto ctx = problem_context(acted.problem, r);
    if (!acted.problem)
      ctx["problem"] = json::object{{"refused", true}};
    auto refused = pages.page(http::status::conflict, lang, "page_message.html", ctx);
    co_return refused;
  }
  spdlog::info("completion received request={}", r ? r->reference : "-");
  if (s.wake_dispatcher)
    s.wake_dispatcher();
  auto ctx = problem_context(std::nullopt, r);
  ctx["done"] = json::object{{"complete", true}};
  auto done = pages.page(http::status::ok, lang, "page_message.html", ctx);
  co_return done;
}

}  // namespace

boost::asio::awaitable<HttpResponse> route_completion_link(Services& s, ApprovalPages& pages,
                                                           std::string raw, bool get, bool post,
                                                           const std::string& body) {
  if (!plausible_raw_token(raw)) {
    co_return pages.page(http::status::not_found, s.config.general.language, "page_message.html",
                         problem_context(TokenProblem::unknown, nullptr));
  }
  if (get) {
    auto answer = co_await show(s, pages, raw);
    co_return answer;
  }
  if (post) {
    auto answer = co_await act(s, pages, raw, body);
    co_return answer;
  }
  co_return plain(http::status::method_not_allowed, "Method not allowed\n");
}

}  // namespace relais::daemon
