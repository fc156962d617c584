// Token checks happen twice on purpose: on GET to show a clear page early, and again inside
// the acting transaction, where they are the ones that count.
#include "daemon/approval_pages.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url_view.hpp>

#include "daemon/byte_range.hpp"
#include "daemon/link_lookup.hpp"
#include "daemon/local_time.hpp"
#include "daemon/mail_job.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/checks.hpp"
#include "workflow/declaration.hpp"
#include "workflow/image_pipeline.hpp"
#include "workflow/network_limits.hpp"
#include "workflow/transitions.hpp"
#include "workflow/video_probe.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace workflow;

namespace {

// Previews fit a phone or a laptop screen; the original stays one link away.
constexpr int kPosterSide = 1280;
constexpr int kPreviewSide = 1280;

struct Form {
  std::string action, reason, csrf, publish_at, text;
  std::vector<std::string> channels;
  std::vector<int> keep;  // photos left ticked (positions); with keep_shown, the others go
  bool keep_shown = false;
  bool edit_text = false;
  bool confirm_election = false;
};

// Browsers send a textarea's line ends as CRLF; the stored text has LF.
std::string unix_lines(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n')
        ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

Form parse_form(const std::string& body) {
  Form f;
  auto encoded = boost::urls::parse_query(body);
  if (!encoded)
    return f;
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;  // HTML forms encode spaces as '+'
  boost::urls::params_view params(boost::core::string_view(body.data(), body.size()), opt);
  for (auto p : params) {
    const std::string key = p.key;
    const std::string value = p.value;
    if (key == "action")
      f.action = value;
    else if (key == "reason")
      f.reason = unix_lines(value);
    else if (key == "csrf")
      f.csrf = value;
    else if (key == "publish_at")
      f.publish_at = value;
    else if (key == "channel")
      f.channels.push_back(value);
    else if (key == "keep_shown")
      f.keep_shown = true;
    else if (key == "keep" && value.size() < 5 &&
             value.find_first_not_of("0123456789") == std::string::npos && !value.empty())
      f.keep.push_back(std::stoi(value));
    else if (key == "confirm_election")
      f.confirm_election = value == "1";
    else if (key == "text") {
      f.text = unix_lines(value);
      f.edit_text = true;
    }
  }
  return f;
}

std::optional<EventKind> event_for(const std::string& action) {
  if (action == "approve")
    return EventKind::approve;
  if (action == "request_changes")
    return EventKind::request_changes;
  if (action == "reject")
    return EventKind::reject;
  if (action == "retry")
    return EventKind::retry;
  if (action == "cancel")
    return EventKind::cancel;
  return std::nullopt;
}

// Each chosen channel as the failure page shows it: its state in words, its link or its error.
json::array channel_rows(const Request& r, std::string_view lang) {
  const bool en = lang == "en";
  json::array rows;
  for (const auto& c : r.channels) {
    std::string_view status = to_string(c.status);
    switch (c.status) {
      case ChannelStatus::published:
        status = en ? "online" : "en ligne";
        break;
      case ChannelStatus::failed:
        status = en ? "failed" : "en échec";
        break;
      case ChannelStatus::pending:
      case ChannelStatus::unconfirmed:
        status = en ? "in progress" : "en cours";
        break;
      case ChannelStatus::removing:
      case ChannelStatus::removed:
        status = en ? "removed" : "retiré";
        break;
    }
    rows.push_back({{"name", c.channel},
                    {"status_text", status},
                    {"url", c.status == ChannelStatus::published ? c.url : ""},
                    {"error", c.status == ChannelStatus::failed ? c.error : ""}});
  }
  return rows;
}

}  // namespace

json::object problem_context(std::optional<TokenProblem> problem, const Request* r) {
  json::object c;
  if (problem)
    c["problem"] = json::object{{std::string(to_string(*problem)), true}};
  if (r) {
    c["reference"] = r->reference;
    c["subject"] = r->subject;
    c["state"] = to_string(r->state);
    c["state_" + std::string(to_string(r->state))] = true;
  }
  return c;
}

HttpResponse ApprovalPages::page(http::status status, std::string_view lang, std::string_view name,
                                 const json::object& ctx) const {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy",
          "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self' 'unsafe-inline'; "
          "script-src 'self'; form-action 'self'");
  auto body = s_.templates.render(lang, name, json::value(ctx));
  if (!body) {
    spdlog::error("page template failed name={} error=\"{}\"", name, body.error().message);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.result(http::status::internal_server_error);
    res.body() = "Erreur interne : la page ne peut pas être affichée. / Internal error.\n";
    return res;
  }
  res.body() = std::move(*body);
  return res;
}

boost::asio::awaitable<HttpResponse> ApprovalPages::show(const std::string& raw,
                                                         const std::string& preselect) {
  // No temporary in a co_await expression: g++ 12 may destroy it twice (see Writer::run).
  const ApprovalEdits* none = nullptr;
  auto page = co_await render(raw, preselect, none);
  co_return page;
}

boost::asio::awaitable<HttpResponse> ApprovalPages::render(const std::string& raw,
                                                           const std::string& preselect,
                                                           const ApprovalEdits* edits) {
  const auto& lang = s_.config.general.language;
  if (!plausible_raw_token(raw)) {
    co_return page(http::status::not_found, lang, "page_message.html",
                   problem_context(TokenProblem::unknown, nullptr));
  }
  struct Shown {
    std::optional<TokenProblem> problem;
    std::optional<Request> request;
    std::vector<MediaRow> media;
  };
  auto job0 = [this, raw] {
    auto& store = s_.readers.store();
    auto link = look_up_link(store, raw, "", workflow::now_ms());
    Shown out{link.problem, std::move(link.request), {}};
    if (out.request)
      out.media = store.media_of(out.request->id);
    return out;
  };
  auto shown = co_await on_pool(s_.pool, job0);
  if (shown.problem) {
    spdlog::info("link refused request={} problem={} method=GET",
                 shown.request ? shown.request->reference : "-", to_string(*shown.problem));
    co_return page(http::status::gone, lang, "page_message.html",
                   problem_context(shown.problem, shown.request ? &*shown.request : nullptr));
  }
  const Request& r = *shown.request;
  json::object ctx = request_context(r, shown.media, s_);
  ctx["action_url"] = "/a/" + raw;
  ctx["csrf"] = csrf_for(s_.token_key, raw);
  if (r.state == State::failed) {
    ctx["channel_rows"] = channel_rows(r, lang);
    if (preselect == "retry" || preselect == "cancel")
      ctx["preselect"] = json::object{{preselect, true}};
    co_return page(http::status::ok, lang, "page_failed.html", ctx);
  }
  json::array images, videos, forms;
  bool publishable_media = false;
  for (const auto& m : shown.media) {
    const auto url = fmt::format("/a/{}/m/{}", raw, m.position);
    if (is_consent_form(m.filename, m.content_type))
      forms.push_back({{"url", url}, {"name", m.filename}});
    else if (m.content_type.starts_with("image/")) {
      const bool kept = !edits || std::find(edits->keep.begin(), edits->keep.end(), m.position) !=
                                      edits->keep.end();
      images.push_back(
          {{"url", url}, {"name", m.filename}, {"position", m.position}, {"kept", kept}});
      publishable_media = publishable_media || kept;
    } else if (m.content_type.starts_with("video/")) {
      publishable_media = true;
      videos.push_back({{"url", url}, {"poster_url", url + "/poster"}, {"name", m.filename}});
    }
  }
  ctx["images"] = std::move(images);
  ctx["videos"] = std::move(videos);
  ctx["forms"] = std::move(forms);
  const std::string text = edits ? edits->text : r.text;
  const std::string composed =
      publishable_media && !r.author.empty() ? text + "\n\n© " + r.author : text;
  json::array options;
  const auto wished = wished_channels(r, s_.engine.policy());
  const auto& chosen = edits ? edits->channels : wished;
  for (const auto& name : s_.engine.policy().known_channels) {
    json::object o{{"name", name},
                   {"checked", std::find(chosen.begin(), chosen.end(), name) != chosen.end()}};
    const ChannelConfig* c = find_channel(s_.config, name);
    const NetworkLimits* n = c ? limits_for(c->type) : nullptr;
    o["network"] = n ? std::string(n->label) : std::string(c ? c->type : name);
    if (n && n->max_text > 0) {
      const auto length = text_length_for(*n, composed);
      o["count"] = length;
      o["max"] = n->max_text;
      o["over"] = length > n->max_text;
      o["counting"] = n->counting == TextCounting::x_weighted ? "x"
                      : n->counting == TextCounting::mastodon ? "mastodon"
                                                              : "code_points";
    }
    options.push_back(std::move(o));
  }
  ctx["channel_options"] = std::move(options);
  ctx["preview_text"] = composed;
  ctx["text"] = text;
  ctx["credit"] = publishable_media && !r.author.empty() ? "\n\n© " + r.author : "";
  ctx["publish_at_value"] =
      edits && !edits->publish_at.empty()
          ? edits->publish_at
          : format_input(workflow::now_ms() + s_.engine.policy().publish_delay);
  ctx["has_blocking"] = r.has_blocking_finding();
  Event proposed;
  proposed.kind = EventKind::approve;
  proposed.at = workflow::now_ms();
  proposed.publish_at = proposed.at + s_.engine.policy().publish_delay;
  ctx["election_period"] = needs_election_confirmation(r, proposed, s_.engine.policy());
  if (preselect == "approve" || preselect == "request_changes" || preselect == "reject") {
    ctx["preselect"] = json::object{{preselect, true}};
  }
  co_return page(http::status::ok, lang, "page_approval.html", ctx);
}

boost::asio::awaitable<HttpResponse> ApprovalPages::act(const std::string& raw,
                                                        const std::string& body) {
  const auto& lang = s_.config.general.language;
  const Form form = parse_form(body);
  if (!plausible_raw_token(raw)) {
    co_return page(http::status::not_found, lang, "page_message.html",
                   problem_context(TokenProblem::unknown, nullptr));
  }
  if (!csrf_matches(s_.token_key, raw, form.csrf)) {
    spdlog::warn("link refused problem=csrf method=POST");
    co_return page(http::status::forbidden, lang, "page_message.html",
                   json::object{{"problem", json::object{{"csrf", true}}}});
  }
  if (form.action == "preview") {  // count again, decide nothing
    const ApprovalEdits edits{form.text, form.channels, form.publish_at, form.keep};
    const std::string no_preselect;
    auto again = co_await render(raw, no_preselect, &edits);
    co_return again;
  }
  const auto kind = event_for(form.action);
  json::object input_error;
  if (!kind)
    input_error["action"] = true;
  const bool reason_needed = kind == EventKind::request_changes || kind == EventKind::reject;
  if (reason_needed && form.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    input_error["reason"] = true;
  }
  std::optional<TimePoint> publish_at;
  if (kind == EventKind::approve && !form.publish_at.empty()) {
    publish_at = parse_input(form.publish_at);
    if (!publish_at)
      input_error["publish_at"] = true;
  }
  if (form.text.size() > 20000 || form.reason.size() > 5000)
    input_error["too_long"] = true;
  if (!input_error.empty()) {
    co_return page(http::status::bad_request, lang, "page_message.html",
                   json::object{{"input_error", input_error}, {"back_url", "/a/" + raw}});
  }

  struct Acted {
    std::optional<TokenProblem> problem;
    std::string refusal;
    bool election_unconfirmed = false;
    std::optional<Request> request;
  };
  Acted acted;
  try {
    auto job1 = [&, at = workflow::now_ms()](Store& store) {
      auto link = look_up_link(store, raw, form.action, at);
      Acted out;
      out.problem = link.problem;
      out.request = std::move(link.request);
      if (out.problem)
        return out;
      const auto& token = link.token;
      Event e;
      e.kind = *kind;
      e.at = at;
      e.actor = "referent:" + token->recipient;
      e.source = fmt::format("link:{}", token->id);
      e.reason = form.reason;
      e.channels = form.channels;
      e.publish_at = publish_at;
      e.election_confirmed = form.confirm_election;
      if (e.kind == EventKind::approve && !e.election_confirmed &&
          needs_election_confirmation(*out.request, e, s_.engine.policy())) {
        out.election_unconfirmed = true;  // a clear page, before the machine's generic refusal
        return out;
      }
      if (form.edit_text && !form.text.empty() && form.text != out.request->text)
        e.text = form.text;
      std::vector<std::int64_t> drop;
      if (e.kind == EventKind::approve && form.keep_shown) {
        for (const auto& m : store.media_of(token->request_id)) {
          const bool photo =
              m.content_type.starts_with("image/") && !is_consent_form(m.filename, m.content_type);
          if (photo &&
              std::find(form.keep.begin(), form.keep.end(), m.position) == form.keep.end()) {
            e.dropped_media.push_back(m.position);
            drop.push_back(m.id);
          }
        }
      }
      auto handled = s_.engine.handle(store, token->request_id, e);
      out.request = handled.request;
      if (!handled.applied) {
        out.refusal = handled.refusal;
        ++s_.metrics.refused_events;
        return out;
      }
      store.use_token(token->id, at, form.action);
      for (auto id : drop)  // not published; kept as received in the record
        store.drop_media(id);
      ++s_.metrics.transitions;
      return out;
    };
    acted = co_await s_.writer.run(job1);
  } catch (const std::exception& e) {
    spdlog::error("link action failed error=\"{}\"", e.what());
    co_return page(http::status::service_unavailable, lang, "page_message.html",
                   json::object{{"problem", json::object{{"internal", true}}}});
  }
  const Request* r = acted.request ? &*acted.request : nullptr;
  if (acted.problem) {
    spdlog::info("link refused request={} problem={} method=POST", r ? r->reference : "-",
                 to_string(*acted.problem));
    co_return page(http::status::conflict, lang, "page_message.html",
                   problem_context(acted.problem, r));
  }
  if (acted.election_unconfirmed) {
    co_return page(
        http::status::bad_request, lang, "page_message.html",
        json::object{{"input_error", json::object{{"election", true}}}, {"back_url", "/a/" + raw}});
  }
  if (!acted.refusal.empty()) {
    auto ctx = problem_context(std::nullopt, r);
    ctx["problem"] = json::object{{"refused", true}};
    co_return page(http::status::conflict, lang, "page_message.html", ctx);
  }
  if (s_.wake_dispatcher)
    s_.wake_dispatcher();
  auto ctx = problem_context(std::nullopt, r);
  ctx["done"] = json::object{{form.action, true}};
  if (r && r->publish_at)
    ctx["scheduled_at"] = format_local(*r->publish_at, lang);
  co_return page(http::status::ok, lang, "page_message.html", ctx);
}

boost::asio::awaitable<HttpResponse> ApprovalPages::media(const std::string& raw, int position,
                                                          MediaView view, std::string range) {
  auto find = [this, raw]() -> std::optional<std::int64_t> {
    if (!plausible_raw_token(raw))
      return std::nullopt;
    const auto link = look_up_link(s_.readers.store(), raw, "", workflow::now_ms());
    if (link.problem)
      return std::nullopt;
    return link.token->request_id;
  };
  const auto request_id = co_await on_pool(s_.pool, find);
  if (!request_id)
    co_return plain(http::status::not_found, "Not found\n");
  auto answer = co_await request_media(*request_id, position, view, std::move(range));
  co_return answer;
}

boost::asio::awaitable<HttpResponse> ApprovalPages::request_media(std::int64_t request_id,
                                                                  int position, MediaView view,
                                                                  std::string range) {
  struct Found {
    bool ok = false;
    std::string content_type;
    std::string bytes;
  };
  auto job2 = [this, request_id, position, view] {
    Found f;
    for (const auto& m : s_.readers.store().media_of(request_id)) {
      if (m.position != position)
        continue;
      const bool image = m.content_type.starts_with("image/");
      if (view == MediaView::poster) {
        if (!m.content_type.starts_with("video/"))
          return f;
        auto frame = video_poster(s_.media.path_of(m.sha256).string(), kPosterSide);
        if (!frame) {
          spdlog::warn("video poster failed request_id={} position={} error=\"{}\"", request_id,
                       position, frame.error().message);
          return f;
        }
        f.content_type = "image/jpeg";
        f.bytes = std::move(*frame);
      } else if (view == MediaView::preview && image) {
        auto bytes = s_.media.get(m.sha256);
        auto preview =
            bytes ? make_thumbnail(*bytes, kPreviewSide,
                                   {s_.config.images.max_pixels, s_.config.mail.max_message_bytes})
                  : Result<std::string>(bytes.error());
        if (!preview) {
          spdlog::warn("photo preview failed request_id={} position={} error=\"{}\"", request_id,
                       position, preview.error().message);
          return f;
        }
        f.content_type = "image/jpeg";
        f.bytes = std::move(*preview);
      } else {
        auto bytes = s_.media.get(m.sha256);
        if (!bytes)
          return f;
        f.content_type = m.content_type;
        f.bytes = std::move(*bytes);
      }
      f.ok = true;
    }
    return f;
  };
  auto found = co_await on_pool(s_.pool, job2);
  HttpResponse res{found.ok ? http::status::ok : http::status::not_found, 11};
  res.set(http::field::content_type, found.ok ? found.content_type : "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "private, no-store");
  res.set("X-Content-Type-Options", "nosniff");
  // What the agent sent is shown, never run: no script in an SVG or a PDF on this origin.
  res.set("Content-Security-Policy", "default-src 'none'; sandbox");
  const bool inline_type =
      (found.content_type.starts_with("image/") && !found.content_type.ends_with("+xml")) ||
      found.content_type.starts_with("video/");
  if (found.ok && !inline_type) {
    res.set(http::field::content_disposition,
            fmt::format("attachment; filename=\"media-{}{}\"", position,
                        found.content_type == "application/pdf" ? ".pdf" : ""));
  }
  res.body() = found.ok ? std::move(found.bytes) : std::string("Not found\n");
  res.prepare_payload();
  apply_byte_range(res, range);
  co_return res;
}

boost::asio::awaitable<HttpResponse> route_approval_link(ApprovalPages& pages, std::string rest,
                                                         std::string preselect, bool get, bool post,
                                                         const HttpRequest& req) {
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {  // /a/TOKEN/m/N
    const std::string token = rest.substr(0, slash);
    const std::string tail = rest.substr(slash);
    auto view = ApprovalPages::MediaView::preview;
    std::string number = tail.size() > 3 ? tail.substr(3) : "";
    for (const auto& [suffix, v] :
         {std::pair{std::string_view("/poster"), ApprovalPages::MediaView::poster},
          std::pair{std::string_view("/original"), ApprovalPages::MediaView::original}}) {
      if (number.ends_with(suffix)) {
        number.resize(number.size() - suffix.size());
        view = v;
      }
    }
    if (get && tail.starts_with("/m/") && !number.empty() && number.size() < 5 &&
        number.find_first_not_of("0123456789") == std::string::npos) {
      const std::string range(req[http::field::range]);
      auto answer = co_await pages.media(token, std::stoi(number), view, range);
      co_return answer;
    }
    co_return plain(http::status::not_found, "Not found\n");
  }
  if (get) {
    auto answer = co_await pages.show(rest, preselect);
    co_return answer;
  }
  if (post) {
    auto answer = co_await pages.act(rest, req.body());
    co_return answer;
  }
  co_return plain(http::status::method_not_allowed, "Method not allowed\n");
}

}  // namespace relais::daemon
