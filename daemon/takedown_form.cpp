// Parsing and hashing run on the worker pool, the rate count and the case on the writer; the
// I/O thread only awaits them. The rate limit is checked twice on purpose: on a reader before
// the files are stored (a flood costs no disk), and again in the writer job that adds the hits
// and opens the case, where it is the one that counts. Log lines carry the case reference,
// never the requester's address, network or text.
#include "daemon/takedown_form.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

#include "connectors/email/mime_form_data.hpp"
#include "daemon/local_time.hpp"
#include "workflow/address.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/ascii.hpp"
#include "workflow/case_desk.hpp"
#include "workflow/image_pipeline.hpp"

namespace relais::daemon {
namespace json = boost::json;
namespace mail = connectors::email;
using namespace workflow;

namespace {

// "DI-2026-0007": the only thing /takedown/received echoes from its URL.
bool plausible_case_reference(std::string_view ref) {
  if (ref.size() < 9 || ref.size() > 20 || !ref.starts_with("DI-") || ref[7] != '-')
    return false;
  for (std::size_t i = 3; i < ref.size(); ++i) {
    if (i != 7 && (ref[i] < '0' || ref[i] > '9'))
      return false;
  }
  return true;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string lang_param(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url)
    return {};
  for (auto p : url->params()) {
    if (p.key == "lang")
      return p.value;
  }
  return {};
}

std::string first_lines(std::string_view text, std::size_t max_lines, bool& too_many) {
  std::string out;
  std::size_t lines = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos)
      nl = text.size();
    const auto line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty())
      continue;
    if (++lines > max_lines) {
      too_many = true;
      break;
    }
    out += std::string(line) + "\n";
  }
  return out;
}

}  // namespace

// ---- pure parts

std::string form_stamp(std::string_view key, TimePoint issued) {
  const auto ms = std::to_string(to_millis(issued));
  return ms + "." + csrf_for(key, "takedown-form:" + ms);
}

std::optional<StampProblem> check_form_stamp(std::string_view key, std::string_view stamp,
                                             TimePoint now) {
  const auto dot = stamp.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 15)
    return StampProblem::invalid;
  const std::string_view ms = stamp.substr(0, dot);
  std::int64_t issued_ms = 0;
  const auto [end, ec] = std::from_chars(ms.data(), ms.data() + ms.size(), issued_ms);
  if (ec != std::errc() || end != ms.data() + ms.size() || issued_ms < 0)
    return StampProblem::invalid;
  if (!csrf_matches(key, "takedown-form:" + std::string(ms), stamp.substr(dot + 1)))
    return StampProblem::invalid;
  const auto age = now - from_millis(issued_ms);
  if (age < kStampMinAge)
    return StampProblem::too_fresh;
  if (age > kStampMaxAge)
    return StampProblem::too_old;
  return std::nullopt;
}

std::string rate_key(std::string_view key, std::string_view kind, std::string_view value) {
  return fmt::format("{}:{}", kind, csrf_for(key, fmt::format("form-hit:{}:{}", kind, value)));
}

std::string rate_network(std::string_view address) {
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(std::string(address), ec);
  if (ec)
    return std::string(address);
  if (ip.is_v6()) {
    auto bytes = ip.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
  }
  return ip.to_string();
}

BodyLimits takedown_body_limits(Services& s, const ApprovalPages& pages) {
  auto is_form_post = [](const HttpRequestHeader& h) {
    return h.method() == http::verb::post && path_of(h.target()) == "/takedown";
  };
  BodyLimits limits;
  limits.limit_for = [&s, is_form_post](const HttpRequestHeader& h) {
    std::optional<std::uint64_t> limit;
    if (is_form_post(h))
      limit = static_cast<std::uint64_t>(s.config.mail.max_message_bytes);
    return limit;
  };
  limits.too_large = [&s, &pages, is_form_post](const HttpRequestHeader& h) {
    std::optional<HttpResponse> res;
    if (is_form_post(h)) {
      spdlog::info("takedown_form refused reason=too_large");
      res = TakedownForm(s, pages).too_large(lang_param(h.target()));
    }
    return res;
  };
  return limits;
}

// ---- pages

std::string TakedownForm::language(const std::string& asked) const {
  if (asked == "fr" || asked == "en")
    return asked;
  return s_.config.general.language;
}

HttpResponse TakedownForm::form_page(http::status status, const std::string& lang,
                                     const json::object& values, const json::object& errors,
                                     std::size_t file_count) const {
  const auto& cfg = s_.config;
  json::object ctx;
  ctx["action"] = "/takedown?lang=" + lang;
  ctx["stamp"] = form_stamp(s_.token_key, workflow::now_ms());
  ctx["values"] = values;
  ctx["errors"] = errors;
  ctx["has_errors"] = !errors.empty();
  // Browsers never fill a file input again: say so when files were chosen and lost.
  ctx["files_again"] = file_count > 0 && !errors.contains("too_many_files");
  ctx["file_count"] = file_count;
  ctx["max_files"] = cfg.takedown.max_attachments;
  ctx["max_megabytes"] = std::max<std::int64_t>(1, cfg.mail.max_message_bytes / (1024 * 1024));
  ctx["max_description"] = kMaxDescriptionBytes;
  ctx["deadline_days"] = cfg.takedown.deadline_days;
  ctx["takedown_address"] = cfg.mail.takedown_address;
  return pages_.page(status, lang, "page_takedown.html", ctx);
}

HttpResponse TakedownForm::done_page(http::status status, const std::string& lang,
                                     json::object ctx) const {
  ctx["deadline_days"] = s_.config.takedown.deadline_days;
  ctx["takedown_address"] = s_.config.mail.takedown_address;
  return pages_.page(status, lang, "page_takedown_done.html", ctx);
}

HttpResponse TakedownForm::too_large(const std::string& lang) const {
  return form_page(http::status::payload_too_large, language(lang), json::object{},
                   json::object{{"too_large", true}});
}

HttpResponse TakedownForm::received(const std::string& lang, const std::string& reference,
                                    bool confirm_sent) const {
  json::object ctx{{"received", true}, {"confirm_sent", confirm_sent}};
  if (plausible_case_reference(reference))
    ctx["reference"] = reference;
  return done_page(http::status::ok, language(lang), std::move(ctx));
}

boost::asio::awaitable<HttpResponse> TakedownForm::show(const std::string& lang) {
  co_return form_page(http::status::ok, language(lang), json::object{}, json::object{});
}

boost::asio::awaitable<HttpResponse> TakedownForm::submit(const HttpRequest& req,
                                                          const HttpPeer& peer,
                                                          const std::string& asked_lang) {
  const std::string lang = language(asked_lang);
  const auto& cfg = s_.config;
  const TimePoint at = workflow::now_ms();
  const std::string content_type(req[http::field::content_type]);
  mail::FormLimits limits;
  limits.max_total_bytes = static_cast<std::size_t>(cfg.mail.max_message_bytes);
  auto job0 = [&] { return mail::parse_form_body(content_type, req.body(), limits); };
  auto parsed = co_await on_pool(s_.pool, job0);
  if (!parsed) {
    spdlog::info("takedown_form refused reason=malformed");
    co_return form_page(http::status::bad_request, lang, json::object{},
                        json::object{{"malformed", true}});
  }
  mail::FormData& form = *parsed;
  if (!trim(form.field("website")).empty()) {
    // A robot filled the field people cannot see: it is told what a person would be told.
    spdlog::info("takedown_form honeypot");
    HttpResponse res = received(lang, "", false);
    res.result(http::status::see_other);
    res.set(http::field::location, "/takedown/received?lang=" + lang);
    co_return res;
  }

  const std::string name(trim(form.field("name")));
  const std::string email = lower(trim(form.field("email")));
  const std::string description(trim(form.field("description")));
  bool too_many_urls = false;
  const std::string urls = first_lines(form.field("urls"), 50, too_many_urls);
  json::object values{{"name", name},
                      {"email", std::string(trim(form.field("email")))},
                      {"description", form.field("description")},
                      {"urls", form.field("urls")}};
  json::object errors;
  if (const auto problem = check_form_stamp(s_.token_key, form.field("stamp"), at)) {
    errors[*problem == StampProblem::too_fresh ? "stamp_fresh" : "stamp_expired"] = true;
    spdlog::info("takedown_form refused reason={}",
                 *problem == StampProblem::too_fresh ? "stamp_fresh" : "stamp_invalid");
  }
  if (email.empty())
    errors["email_missing"] = true;
  else if (!plausible_address(email))
    errors["email_invalid"] = true;
  if (description.empty() && urls.empty() && form.files.empty())
    errors["description_missing"] = true;
  if (description.size() > kMaxDescriptionBytes)
    errors["description_too_long"] = true;
  if (name.size() > 200)
    errors["name_too_long"] = true;
  if (too_many_urls || form.field("urls").size() > 10000)
    errors["urls_too_long"] = true;
  if (form.files.size() > static_cast<std::size_t>(cfg.takedown.max_attachments))
    errors["too_many_files"] = true;
  if (!errors.empty()) {
    co_return form_page(http::status::bad_request, lang, values, errors, form.files.size());
  }

  const int per_day = cfg.takedown.form_requests_per_day;
  const std::string email_key = rate_key(s_.token_key, "email", email);
  const std::string network_key = rate_key(s_.token_key, "net", rate_network(peer.address));
  auto over_limit = [&](Store& store) {
    const TimePoint since = at - kRateWindow;
    return store.count_form_hits(email_key, since) >= per_day ||
           store.count_form_hits(network_key, since) >= per_day;
  };
  auto rate_limited = [&] {
    spdlog::info("takedown_form refused reason=rate_limit");
    auto res = done_page(http::status::too_many_requests, lang,
                         json::object{{"rate_limited", true},
                                      {"limit", per_day},
                                      {"retry_at", format_local(at + kRateWindow, lang)}});
    res.set(http::field::retry_after, std::to_string(std::chrono::seconds(kRateWindow).count()));
    return res;
  };
  auto job1 = [&] { return over_limit(s_.readers.store()); };
  if (co_await on_pool(s_.pool, job1))
    co_return rate_limited();

  // The files: kept as evidence whatever they are; those that decode as images get the hashes
  // that let the desk find the publication.
  const ImageLimits image_limits{cfg.images.max_pixels, cfg.mail.max_message_bytes};
  struct Stored {
    std::vector<CaseEvidence> evidence;
    std::string error;
  };
  auto job2 = [&] {
    Stored out;
    for (auto& f : form.files) {
      auto sha = s_.media.put(f.data);
      if (!sha) {
        out.error = sha.error().message;
        return out;
      }
      std::optional<ImageHashes> hashes;
      if (auto h = hash_image(f.data, image_limits))
        hashes = *h;
      out.evidence.push_back(
          {*sha, f.content_type, f.filename, static_cast<std::int64_t>(f.data.size()), hashes});
      f.data.clear();
      f.data.shrink_to_fit();
    }
    return out;
  };
  Stored stored = co_await on_pool(s_.pool, job2);
  if (!stored.error.empty()) {
    spdlog::error("takedown_form storage failed error=\"{}\"", stored.error);
    co_return done_page(http::status::service_unavailable, lang,
                        json::object{{"problem", json::object{{"internal", true}}}});
  }

  CaseDraft draft;
  draft.origin = "form";
  draft.requester = email;
  draft.requester_name = name;
  draft.text = description;
  if (!urls.empty())
    draft.text += (draft.text.empty() ? "" : "\n\n") + urls.substr(0, urls.size() - 1);
  draft.language = lang;
  draft.email_confirmed = false;
  draft.evidence = std::move(stored.evidence);
  draft.actor = "requester:" + email;
  draft.source = "form:" + peer.address;
  struct Outcome {
    bool limited = false;
    std::optional<Opened> opened;
  };
  Outcome outcome;
  try {
    auto job3 = [&](Store& store) {
      Outcome out;
      store.prune_form_hits(at - kRateWindow);
      if (over_limit(store)) {
        out.limited = true;
        return out;
      }
      store.add_form_hit(email_key, at);
      store.add_form_hit(network_key, at);
      out.opened = s_.cases.open(store, draft, at);
      return out;
    };
    outcome = co_await s_.writer.run(job3);
  } catch (const std::exception& e) {
    spdlog::error("takedown_form failed error=\"{}\"", e.what());
    co_return done_page(http::status::service_unavailable, lang,
                        json::object{{"problem", json::object{{"internal", true}}}});
  }
  if (outcome.limited)
    co_return rate_limited();
  if (s_.wake_dispatcher)
    s_.wake_dispatcher();
  const Opened& opened = *outcome.opened;
  const auto hashed = std::count_if(draft.evidence.begin(), draft.evidence.end(),
                                    [](const CaseEvidence& e) { return e.hashes.has_value(); });
  spdlog::info("takedown_form received case={} files={} images={} confirm_email={}",
               opened.takedown.reference, draft.evidence.size(), hashed,
               opened.needs_email_confirmation);
  // Post/redirect/get: reloading the page that follows sends nothing twice.
  std::string location =
      fmt::format("/takedown/received?ref={}&lang={}", opened.takedown.reference, lang);
  if (opened.needs_email_confirmation)
    location += "&confirm=1";
  HttpResponse res = received(lang, opened.takedown.reference, opened.needs_email_confirmation);
  res.result(http::status::see_other);
  res.set(http::field::location, location);
  co_return res;
}

// ---- the requester's confirmation link

namespace {

// Which page a refused confirmation link gets; the desk's rules decide whether it is refused.
std::string link_kind(Store& store, const std::optional<CaseTokenRow>& t, TimePoint at) {
  if (!t || t->purpose != "confirm_email")
    return "unknown";
  if (t->used_at)
    return "used";
  if (t->expires_at <= at)
    return "expired";
  if (auto c = store.load_case(t->case_id); !c || c->state == CaseState::closed)
    return "closed";
  return "other";
}

http::status status_of(const std::string& kind) {
  return kind == "unknown" ? http::status::not_found
         : kind == "other" ? http::status::conflict
                           : http::status::gone;
}

json::object problem_ctx(const std::string& kind, const std::string& sentence) {
  return json::object{
      {"problem", json::object{{kind, kind == "other" ? json::value(sentence) : true}}}};
}

}  // namespace

boost::asio::awaitable<HttpResponse> TakedownForm::show_confirm(const std::string& raw,
                                                                const std::string& asked_lang) {
  if (!plausible_raw_token(raw)) {
    co_return done_page(http::status::not_found, language(asked_lang), problem_ctx("unknown", ""));
  }
  struct Shown {
    std::string kind, sentence, case_language, reference;
  };
  auto job0 = [this, &raw] {
    Shown out;
    auto& store = s_.readers.store();
    const auto hash = token_hash(raw);
    const auto at = workflow::now_ms();
    auto token = store.find_case_token(hash);
    if (token) {
      if (auto c = store.load_case(token->case_id)) {
        out.case_language = c->language;
        out.reference = c->reference;
      }
    }
    if (auto problem = s_.cases.link_problem(store, hash, "confirm_email", at)) {
      out.kind = link_kind(store, token, at);
      out.sentence = *problem;
    }
    return out;
  };
  const Shown shown = co_await on_pool(s_.pool, job0);
  const std::string lang = language(asked_lang.empty() ? shown.case_language : asked_lang);
  if (!shown.kind.empty()) {
    spdlog::info("takedown_form link refused problem={} method=GET", shown.kind);
    co_return done_page(status_of(shown.kind), lang, problem_ctx(shown.kind, shown.sentence));
  }
  co_return done_page(http::status::ok, lang,
                      json::object{{"confirm_form", true},
                                   {"action_url", "/takedown/confirm/" + raw},
                                   {"csrf", csrf_for(s_.token_key, raw)},
                                   {"reference", shown.reference}});
}

boost::asio::awaitable<HttpResponse> TakedownForm::confirm(const std::string& raw,
                                                           const HttpRequest& req,
                                                           const std::string& asked_lang) {
  mail::FormLimits limits;
  limits.max_total_bytes = 64 * 1024;
  auto form = mail::parse_form_body(req[http::field::content_type], req.body(), limits);
  const std::string csrf = form ? form->field("csrf") : std::string();
  if (!plausible_raw_token(raw) || !csrf_matches(s_.token_key, raw, csrf)) {
    spdlog::warn("takedown_form link refused problem=csrf method=POST");
    co_return done_page(http::status::forbidden, language(asked_lang),
                        json::object{{"problem", json::object{{"csrf", true}}}});
  }
  struct Acted {
    std::string kind, sentence, case_language;
    std::optional<TakedownCase> done;
  };
  Acted acted;
  try {
    auto job1 = [&, at = workflow::now_ms()](Store& store) {
      Acted out;
      const auto hash = token_hash(raw);
      const auto token = store.find_case_token(hash);
      if (token) {
        if (auto c = store.load_case(token->case_id))
          out.case_language = c->language;
      }
      auto result = s_.cases.confirm_email(store, hash, at);
      if (auto* why = std::get_if<std::string>(&result)) {
        out.kind = link_kind(store, token, at);
        out.sentence = *why;
      } else {
        out.done = std::get<TakedownCase>(std::move(result));
      }
      return out;
    };
    acted = co_await s_.writer.run(job1);
  } catch (const std::exception& e) {
    spdlog::error("takedown_form confirmation failed error=\"{}\"", e.what());
    co_return done_page(http::status::service_unavailable, language(asked_lang),
                        json::object{{"problem", json::object{{"internal", true}}}});
  }
  const std::string lang = language(asked_lang.empty() ? acted.case_language : asked_lang);
  if (!acted.done) {
    spdlog::info("takedown_form link refused problem={} method=POST", acted.kind);
    co_return done_page(status_of(acted.kind), lang, problem_ctx(acted.kind, acted.sentence));
  }
  if (s_.wake_dispatcher)
    s_.wake_dispatcher();
  const TakedownCase& c = *acted.done;
  spdlog::info("takedown_form confirmed case={}", c.reference);
  co_return done_page(http::status::ok, lang,
                      json::object{{"confirmed", true},
                                   {"reference", c.reference},
                                   {"deadline", format_local(c.deadline_at, lang)}});
}

boost::asio::awaitable<HttpResponse> route_takedown_form(Services& s, const ApprovalPages& pages,
                                                         std::string path, TakedownQuery q,
                                                         const HttpRequest& req,
                                                         const HttpPeer& peer) {
  TakedownForm form(s, pages);
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool post = req.method() == http::verb::post;
  if (path == "/takedown") {
    if (get) {
      auto answer = co_await form.show(q.lang);
      co_return answer;
    }
    if (post) {
      auto answer = co_await form.submit(req, peer, q.lang);
      co_return answer;
    }
  } else if (path == "/takedown/received") {
    if (get)
      co_return form.received(q.lang, q.reference, q.confirm_sent);
  } else if (path.starts_with("/takedown/confirm/")) {
    const std::string token = path.substr(18);
    if (get) {
      auto answer = co_await form.show_confirm(token, q.lang);
      co_return answer;
    }
    if (post) {
      auto answer = co_await form.confirm(token, req, q.lang);
      co_return answer;
    }
  } else {
    co_return plain(http::status::not_found, "Not found\n");
  }
  co_return plain(http::status::method_not_allowed, "Method not allowed\n");
}

}  // namespace relais::daemon
