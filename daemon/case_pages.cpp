// Token rules are the desk's (CaseDesk::link_problem); this file only shows and submits.
// Thumbnails are made on the worker pool and never expose the original file.
#include "daemon/case_pages.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>

#include "daemon/case_mail.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/image_pipeline.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace workflow;

namespace {

std::string form_value(const std::string& body, std::string_view name) {
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  boost::urls::params_view params(boost::core::string_view(body.data(), body.size()), opt);
  for (auto p : params) {
    if (p.key == name)
      return p.value;
  }
  return {};
}

json::object message(std::string_view title, std::string_view text) {
  return json::object{{"title", title}, {"text", text}};
}

}  // namespace

boost::asio::awaitable<HttpResponse> CasePages::show(const std::string& raw) {
  const auto& lang = s_.config.general.language;
  struct Shown {
    std::string problem;
    json::object ctx;
  };
  auto job = [this, raw] {
    Shown out;
    auto& store = s_.readers.store();
    const auto hash = token_hash(raw);
    auto token = store.find_case_token(hash);
    const std::string purpose = token ? token->purpose : "confirm_removal";
    if (auto problem = s_.cases.link_problem(store, hash, purpose, workflow::now_ms())) {
      out.problem = *problem;
      return out;
    }
    auto c = store.load_case(token->case_id);
    out.ctx = case_context(store, *c, s_);
    out.ctx["action_url"] = "/t/" + raw;
    out.ctx["csrf"] = csrf_for(s_.token_key, raw);
    out.ctx["purpose_" + purpose] = true;
    json::array evidence;
    for (const auto& e : store.case_evidence(c->id)) {
      if (e.hashes)
        evidence.push_back(json::object{{"url", fmt::format("/t/{}/m/{}", raw, e.sha256)}});
    }
    out.ctx["evidence"] = std::move(evidence);
    if (token->match_id) {
      auto m = store.load_case_match(*token->match_id);
      auto r = m ? store.load_request(m->request_id) : std::nullopt;
      if (r) {
        json::object candidate{{"reference", r->reference}, {"subject", r->subject}};
        json::array images, posts;
        for (const auto& media : store.media_of(r->id)) {
          if (media.hashes)
            images.push_back(
                {{"url", fmt::format("/t/{}/m/{}", raw, media.sha256)}, {"name", media.filename}});
        }
        for (const auto& ch : r->channels) {
          if (!ch.url.empty())
            posts.push_back({{"channel", ch.channel}, {"url", ch.url}});
        }
        candidate["images"] = std::move(images);
        candidate["posts"] = std::move(posts);
        out.ctx["candidate"] = std::move(candidate);
      }
    }
    return out;
  };
  auto shown = co_await on_pool(s_.pool, job);
  if (!shown.problem.empty()) {
    spdlog::info("case link refused method=GET");
    co_return pages_.page(http::status::gone, lang, "page_case.html",
                          json::object{{"message", message("", shown.problem)}});
  }
  co_return pages_.page(http::status::ok, lang, "page_case.html", shown.ctx);
}

boost::asio::awaitable<HttpResponse> CasePages::act(const std::string& raw,
                                                    const std::string& body) {
  const auto& lang = s_.config.general.language;
  if (!plausible_raw_token(raw) || !csrf_matches(s_.token_key, raw, form_value(body, "csrf"))) {
    spdlog::warn("case link refused problem=csrf method=POST");
    co_return pages_.page(
        http::status::forbidden, lang, "page_case.html",
        json::object{{"message", message("", lang == "en" ? "The form could not be "
                                                            "verified; open the link "
                                                            "from the mail again."
                                                          : "Le formulaire n'a pas pu "
                                                            "être vérifié : rouvrez le "
                                                            "lien reçu par courriel.")}});
  }
  std::variant<TakedownCase, std::string> outcome = std::string();
  std::string purpose;
  try {
    auto job = [&, at = workflow::now_ms()](Store& store) {
      const auto hash = token_hash(raw);
      auto token = store.find_case_token(hash);
      purpose = token ? token->purpose : "";
      const std::string actor = "referent:" + (token ? token->recipient : std::string());
      if (purpose == "declare_unmatched")
        return s_.cases.declare_unmatched(store, hash, actor, at);
      return s_.cases.confirm_removal(store, hash, actor, at);
    };
    outcome = co_await s_.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("case link action failed error=\"{}\"", e.what());
    co_return pages_.page(http::status::service_unavailable, lang, "page_case.html",
                          json::object{{"message", message("",
                                                           "Service momentanément "
                                                           "indisponible ; réessayez.")}});
  }
  if (auto* why = std::get_if<std::string>(&outcome)) {
    co_return pages_.page(http::status::conflict, lang, "page_case.html",
                          json::object{{"message", message("", *why)}});
  }
  if (s_.wake_dispatcher)
    s_.wake_dispatcher();
  const auto& c = std::get<TakedownCase>(outcome);
  spdlog::info("case link used case={} purpose={}", c.reference, purpose);
  json::object ctx{{"case_reference", c.reference}, {"done_" + purpose, true}};
  co_return pages_.page(http::status::ok, lang, "page_case.html", ctx);
}

boost::asio::awaitable<HttpResponse> CasePages::thumbnail(const std::string& raw,
                                                          const std::string& sha256) {
  auto job = [this, raw, sha256]() -> std::optional<std::string> {
    if (!plausible_raw_token(raw) || sha256.size() != 64)
      return std::nullopt;
    auto& store = s_.readers.store();
    auto token = store.find_case_token(token_hash(raw));
    if (!token || token->used_at || workflow::now_ms() >= token->expires_at)
      return std::nullopt;
    // Only files of this case: its evidence and the media of its candidates.
    bool known = false;
    for (const auto& e : store.case_evidence(token->case_id))
      known = known || e.sha256 == sha256;
    for (const auto& m : store.case_matches(token->case_id)) {
      for (const auto& media : store.media_of(m.request_id))
        known = known || media.sha256 == sha256;
    }
    if (!known)
      return std::nullopt;
    auto bytes = s_.media.get(sha256);
    if (!bytes)
      return std::nullopt;
    auto thumb = make_thumbnail(
        *bytes, 480, ImageLimits{s_.config.images.max_pixels, s_.config.mail.max_message_bytes});
    if (!thumb)
      return std::nullopt;
    return *thumb;
  };
  auto thumb = co_await on_pool(s_.pool, job);
  HttpResponse res{thumb ? http::status::ok : http::status::not_found, 11};
  res.set(http::field::content_type, thumb ? "image/jpeg" : "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "private, no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = thumb ? std::move(*thumb) : std::string("Not found\n");
  co_return res;
}

boost::asio::awaitable<HttpResponse> route_case_link(Services& s, const ApprovalPages& pages,
                                                     std::string rest, bool get, bool post,
                                                     const std::string& body) {
  CasePages cases(s, pages);
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    const std::string token = rest.substr(0, slash);
    const std::string tail = rest.substr(slash);
    if (get && tail.starts_with("/m/")) {
      const std::string sha = tail.substr(3);
      auto answer = co_await cases.thumbnail(token, sha);
      co_return answer;
    }
    co_return plain(http::status::not_found, "Not found\n");
  }
  if (get) {
    auto answer = co_await cases.show(rest);
    co_return answer;
  }
  if (post) {
    auto answer = co_await cases.act(rest, body);
    co_return answer;
  }
  co_return plain(http::status::method_not_allowed, "Method not allowed\n");
}

}  // namespace relais::daemon
