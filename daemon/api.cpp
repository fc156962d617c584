// Reads run on the worker pool with a reader connection, writes as one writer job; evidence
// files are stored before the transaction that names them (a failed commit leaves an orphan
// for the start-up collection, never a row without its file).
#include "daemon/api.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>

#include "daemon/api_reads.hpp"
#include "daemon/api_tokens.hpp"
#include "daemon/consent_service.hpp"
#include "daemon/ctl_render.hpp"
#include "workflow/ascii.hpp"
#include "workflow/base64.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;
using workflow::TimePoint;

namespace {

const ConsentFieldNames kFields{"name", "email", "request", "from", "until", "note"};
constexpr std::string_view kConsents = "/api/v1/consents";
constexpr std::string_view kTryLater =
    "the store is busy or failing; nothing was changed, try again";

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc{} || end != s.data() + s.size() || id < 1)
    return std::nullopt;
  return id;
}

// The JSON object of a request body, or the error answer.
std::variant<json::object, HttpResponse> json_body(const HttpRequest& req) {
  if (req.body().empty())  // nothing to read: a revoke without a reason
    return json::object{};
  const auto type = lower(std::string(req[http::field::content_type]));
  if (!type.starts_with("application/json"))
    return api_error(http::status::unsupported_media_type, "send Content-Type: application/json");
  boost::system::error_code ec;
  auto v = json::parse(req.body(), ec);
  if (ec || !v.is_object())
    return api_error(http::status::bad_request, "the body is not a JSON object");
  return std::move(v.as_object());
}

// A string field ("" when absent), or the sentence saying it is not one.
std::optional<std::string> string_field(const json::object& o, std::string_view key,
                                        std::string& out) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null())
    return std::nullopt;
  if (!v->is_string())
    return fmt::format("{} must be a string", key);
  out = std::string(v->as_string());
  return std::nullopt;
}

struct ConsentPost {
  ConsentInput input;
  std::string evidence_bytes;
};

std::variant<ConsentPost, std::string> read_consent_post(const json::object& o,
                                                         std::int64_t max_bytes) {
  static const std::set<std::string_view> kKnown{"name",  "email", "request", "from",
                                                 "until", "minor", "note",    "evidence"};
  for (const auto& kv : o) {
    if (!kKnown.count(kv.key()))
      return fmt::format("unknown field {}", std::string_view(kv.key()).substr(0, 40));
  }
  ConsentPost p;
  auto& in = p.input;
  for (auto [key, field] : {std::pair{"name", &in.name}, std::pair{"email", &in.email},
                            std::pair{"request", &in.request}, std::pair{"from", &in.from},
                            std::pair{"until", &in.until}, std::pair{"note", &in.note}}) {
    if (auto problem = string_field(o, key, *field))
      return *problem;
  }
  if (const auto* minor = o.if_contains("minor"); minor && !minor->is_null()) {
    if (!minor->is_bool())
      return std::string("minor must be true or false");
    in.minor = minor->as_bool();
  }
  if (const auto* ev = o.if_contains("evidence"); ev && !ev->is_null()) {
    const auto* e = ev->if_object();
    const auto* name = e ? e->if_contains("name") : nullptr;
    const auto* content = e ? e->if_contains("content_base64") : nullptr;
    if (!name || !name->is_string() || !content || !content->is_string())
      return std::string("evidence is {\"name\": \"form.pdf\", \"content_base64\": \"...\"}");
    auto bytes = workflow::base64_decode(content->as_string());
    if (!bytes || bytes->empty())
      return std::string("evidence.content_base64 is not base64");
    if (static_cast<std::int64_t>(bytes->size()) > max_bytes)
      return fmt::format("evidence is larger than mail.max_message_bytes ({})", max_bytes);
    std::string display(name->as_string());
    if (const auto slash = display.find_last_of("/\\"); slash != std::string::npos)
      display = display.substr(slash + 1);
    in.evidence_name = display.substr(0, 200);
    p.evidence_bytes = std::move(*bytes);
  }
  return p;
}

boost::asio::awaitable<HttpResponse> list_consents(Services& s) {
  auto job = [&s] {
    auto& store = s.readers.store();
    const auto at = workflow::now_ms();
    json::array a;
    for (const auto& c : store.list_consents(std::nullopt)) {
      a.push_back(consent_json(c, store.load_person(c.person_id),
                               request_reference(store, c.request_id), at));
    }
    return a;
  };
  auto a = co_await on_pool(s.pool, job);
  co_return json_answer(http::status::ok, json::object{{"consents", std::move(a)}});
}

boost::asio::awaitable<HttpResponse> show_consent(Services& s, std::int64_t id) {
  auto job = [&s, id] {
    auto& store = s.readers.store();
    std::optional<json::object> out;
    if (auto c = store.load_consent(id)) {
      out = consent_json(*c, store.load_person(c->person_id),
                         request_reference(store, c->request_id), workflow::now_ms());
    }
    return out;
  };
  auto found = co_await on_pool(s.pool, job);
  if (!found)
    co_return api_error(http::status::not_found, fmt::format("no consent {}", id));
  co_return json_answer(http::status::ok, *found);
}

boost::asio::awaitable<HttpResponse> add_consent(Services& s, const HttpRequest& req,
                                                 const ApiToken& token) {
  auto body = json_body(req);
  if (auto* answer = std::get_if<HttpResponse>(&body))
    co_return std::move(*answer);
  auto post = read_consent_post(std::get<json::object>(body), s.config.mail.max_message_bytes);
  if (auto* sentence = std::get_if<std::string>(&post))
    co_return api_error(http::status::bad_request, *sentence);
  auto& p = std::get<ConsentPost>(post);
  auto checked = check_consent_input(p.input, kFields);
  if (auto* sentence = std::get_if<std::string>(&checked))
    co_return api_error(http::status::bad_request, *sentence);
  auto& in = std::get<CheckedConsent>(checked);
  if (!p.evidence_bytes.empty()) {
    auto put = [&s, &p] { return s.media.put(p.evidence_bytes); };
    auto stored = co_await on_pool(s.pool, put);
    if (!stored) {
      spdlog::error("api evidence not stored error=\"{}\"", stored.error().message);
      co_return api_error(http::status::service_unavailable, "the evidence could not be stored");
    }
    in.input.evidence_sha256 = *stored;
  }
  const std::string actor = "api:" + token.name;
  auto job = [&s, &in, &actor, at = workflow::now_ms()](Store& store) {
    auto r = record_consent(store, in, kFields, actor, "api", at);
    if (auto* refusal = std::get_if<std::string>(&r))
      throw std::invalid_argument(*refusal);  // the writer rolls the transaction back
    const auto& done = std::get<RecordedConsent>(r);
    return consent_json(done.consent, done.person, done.request_reference, at);
  };
  try {
    auto o = co_await s.writer.run(job);
    HttpResponse res = json_answer(http::status::created, o);
    res.set(http::field::location, fmt::format("{}/{}", kConsents, o.at("id").as_int64()));
    spdlog::info("api consent recorded consent={} token={}", o.at("id").as_int64(), token.name);
    co_return res;
  } catch (const std::invalid_argument& refusal) {
    co_return api_error(http::status::unprocessable_entity, refusal.what());
  } catch (const std::exception& e) {
    spdlog::error("api consent not recorded error=\"{}\"", e.what());
    co_return api_error(http::status::service_unavailable, kTryLater);
  }
}

boost::asio::awaitable<HttpResponse> revoke(Services& s, const HttpRequest& req,
                                            const ApiToken& token, std::int64_t id) {
  auto body = json_body(req);
  if (auto* answer = std::get_if<HttpResponse>(&body))
    co_return std::move(*answer);
  const auto& o = std::get<json::object>(body);
  std::string reason;
  for (const auto& kv : o) {
    if (kv.key() != "reason")
      co_return api_error(
          http::status::bad_request,
          fmt::format("unknown field {}", std::string_view(kv.key()).substr(0, 40)));
  }
  if (auto problem = string_field(o, "reason", reason))
    co_return api_error(http::status::bad_request, *problem);
  if (reason.size() > kConsentTextMax) {
    co_return api_error(http::status::bad_request,
                        fmt::format("reason is longer than {} bytes", kConsentTextMax));
  }
  const std::string actor = "api:" + token.name;
  struct Outcome {
    http::status status = http::status::ok;
    json::object body;
  };
  auto job = [&s, &actor, &reason, id, at = workflow::now_ms()](Store& store) {
    Outcome out;
    if (!store.load_consent(id)) {
      out.status = http::status::not_found;
      out.body = json::object{{"message", fmt::format("no consent {}", id)}};
      return out;
    }
    auto r = revoke_consent(store, s.cases, id, std::string(trim(reason)), actor, "api", at);
    if (auto* refusal = std::get_if<std::string>(&r))
      throw std::invalid_argument(*refusal);
    out.body = revoked_json(id, at, std::get<RevokedConsent>(r));
    return out;
  };
  try {
    auto out = co_await s.writer.run(job);
    if (out.status != http::status::ok)
      co_return api_error(out.status, out.body.at("message").as_string());
    if (s.wake_dispatcher)
      s.wake_dispatcher();
    spdlog::info("api consent revoked consent={} token={} case={}", id, token.name,
                 out.body.at("case").is_null() ? "-" : out.body.at("case").as_string().c_str());
    co_return json_answer(http::status::ok, out.body);
  } catch (const std::invalid_argument& refusal) {
    co_return api_error(http::status::conflict, refusal.what());
  } catch (const std::exception& e) {
    spdlog::error("api consent not revoked consent={} error=\"{}\"", id, e.what());
    co_return api_error(http::status::service_unavailable, kTryLater);
  }
}

}  // namespace

boost::asio::awaitable<HttpResponse> route_api(Services& s, std::string path,
                                               const HttpRequest& req) {
  if (!s.api_tokens.enabled()) {
    co_return api_error(http::status::not_found,
                        "the API is off: set security.api_tokens_file to turn it on");
  }
  const auto token = s.api_tokens.find(req[http::field::authorization]);
  if (!token) {
    HttpResponse res = api_error(http::status::unauthorized,
                                 "send Authorization: Bearer TOKEN with a token of the API");
    res.set(http::field::www_authenticate, "Bearer realm=\"relais\"");
    spdlog::info("api refused reason=token");
    co_return res;
  }
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool post = req.method() == http::verb::post;
  if (post && token->scope != ApiScope::write) {
    co_return api_error(http::status::forbidden,
                        fmt::format("the token {} may only read", token->name));
  }
  if (path.size() > 1 && path.back() == '/')
    path.pop_back();
  if (path == kConsents) {
    if (get) {
      auto answer = co_await list_consents(s);
      co_return answer;
    }
    if (post) {
      auto answer = co_await add_consent(s, req, *token);
      co_return answer;
    }
    co_return api_error(http::status::method_not_allowed, "GET or POST");
  }
  if (path.starts_with(std::string(kConsents) + "/")) {
    std::string_view rest = std::string_view(path).substr(kConsents.size() + 1);
    const bool revoking = rest.ends_with("/revoke");
    if (revoking)
      rest.remove_suffix(7);
    const auto id = parse_id(rest);
    if (!id)
      co_return api_error(http::status::not_found, "no such resource");
    if (revoking) {
      if (!post)
        co_return api_error(http::status::method_not_allowed, "POST");
      auto answer = co_await revoke(s, req, *token, *id);
      co_return answer;
    }
    if (!get)
      co_return api_error(http::status::method_not_allowed, "GET");
    auto answer = co_await show_consent(s, *id);
    co_return answer;
  }
  auto read = co_await route_api_reads(s, path, req);
  if (read)
    co_return std::move(*read);
  co_return api_error(http::status::not_found, "no such resource");
}

HttpResponse api_error(http::status status, std::string_view message) {
  return json_answer(status,
                     json::object{{"error", json::object{{"status", static_cast<int>(status)},
                                                         {"message", message}}}});
}

HttpResponse json_answer(http::status status, const json::value& v) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = json::serialize(v) + "\n";
  return res;
}

BodyLimits with_api_limits(BodyLimits base, Services& s) {
  auto inner = base.limit_for;
  base.limit_for = [inner, &s](const HttpRequestHeader& h) -> std::optional<std::uint64_t> {
    if (s.api_tokens.enabled() && h.method() == http::verb::post &&
        h.target().starts_with(kConsents) && !h.target().ends_with("/revoke")) {
      // base64 is 4/3 of the file, plus the other fields.
      return static_cast<std::uint64_t>(s.config.mail.max_message_bytes) / 3 * 4 + 64 * 1024;
    }
    return inner ? inner(h) : std::nullopt;
  };
  return base;
}

}  // namespace relais::daemon
