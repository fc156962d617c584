// Checks run cheapest first (hook, method, signature, JSON, schema, replay), so that an
// unsigned flood costs an HMAC and no store access; media are fetched and stored before the one
// transaction that acts, and that transaction checks replay and idempotency again.
#include "daemon/hooks.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>
#include <variant>

#include "connectors/http/http_client.hpp"
#include "connectors/http/post_text.hpp"
#include "connectors/webhook/embedded_schemas.hpp"
#include "connectors/webhook/json_schema.hpp"
#include "connectors/webhook/signature.hpp"
#include "daemon/api.hpp"
#include "daemon/inbound_policy.hpp"
#include "daemon/intake.hpp"
#include "daemon/secret_file.hpp"
#include "workflow/ascii.hpp"
#include "workflow/base64.hpp"
#include "workflow/checks.hpp"
#include "workflow/declaration.hpp"
#include "workflow/image_pipeline.hpp"
#include "workflow/sha256.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::daemon {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace webhook = connectors::webhook;
using workflow::TimePoint;

namespace {

// How long an idempotency key is remembered.
constexpr auto kKeepCalls = std::chrono::days(30);

struct HookError {
  http::status status = http::status::unprocessable_entity;
  std::string code;
  std::string field;  // JSON Pointer, or empty
  std::string message;
};

// `extra`: more members of the error object (the schema's problems).
HttpResponse error_answer(const HookError& e, json::object extra = {}) {
  json::object err{
      {"status", static_cast<int>(e.status)}, {"code", e.code}, {"message", e.message}};
  if (!e.field.empty())
    err["field"] = e.field;
  for (auto& [k, v] : extra)
    err[k] = std::move(v);
  return json_answer(e.status, json::object{{"error", std::move(err)}});
}

// The body schema of a hook kind, parsed once: the embedded text never changes.
const json::value& body_schema(const std::string& kind) {
  static const std::map<std::string, json::value> kSchemas = [] {
    std::map<std::string, json::value> out;
    for (const char* k : {"submission", "takedown", "decision"})
      out[k] = json::parse(*webhook::embedded_schema(fmt::format("hooks/{}.schema.json", k)));
    return out;
  }();
  return kSchemas.at(kind);
}

const ChannelConfig* find_hook(const Config& c, std::string_view name) {
  for (const auto& h : c.hooks) {
    if (h.name == name)
      return &h;
  }
  return nullptr;
}

std::string setting(const ChannelConfig& h, const char* key) {
  const auto it = h.settings.find(key);
  return it == h.settings.end() ? std::string() : it->second;
}

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string type_from_name(std::string_view filename) {
  const std::string name = lower(filename);
  for (const auto& [ext, type] :
       std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {".jpg", "image/jpeg"},
           {".jpeg", "image/jpeg"},
           {".png", "image/png"},
           {".webp", "image/webp"},
           {".heic", "image/heic"},
           {".heif", "image/heif"},
           {".mp4", "video/mp4"},
           {".mov", "video/quicktime"},
           {".pdf", "application/pdf"}}) {
    if (name.ends_with(ext))
      return std::string(type);
  }
  return "application/octet-stream";
}

struct StoredFile {
  std::string sha256, content_type, filename;
  std::int64_t size = 0;
  std::optional<workflow::ImageHashes> hashes;
};

// Decodes or fetches each file, checks it, and stores it. Blocking: runs on the worker pool.
std::variant<std::vector<StoredFile>, HookError> gather_media(Services& s,
                                                              const ChannelConfig& hook,
                                                              const json::array& media) {
  std::vector<StoredFile> out;
  const auto max_bytes = static_cast<std::size_t>(std::stoll(setting(hook, "max_media_bytes")));
  const bool allow_private = setting(hook, "allow_private_addresses") == "true";
  const auto hosts = hook.list("media_hosts");
  for (std::size_t i = 0; i < media.size(); ++i) {
    const auto& m = media[i].as_object();
    const std::string at = fmt::format("/media/{}", i);
    std::string filename = text_of(m, "filename");
    std::string type = text_of(m, "content_type");
    std::string bytes;
    if (m.contains("data")) {
      const std::string data = text_of(m, "data");
      if (data.size() / 4 * 3 > max_bytes + 3)
        return HookError{http::status::payload_too_large, "too_large", at + "/data",
                         fmt::format("the file is larger than {} bytes", max_bytes)};
      auto decoded = workflow::base64_decode(data);
      if (!decoded)
        return HookError{http::status::unprocessable_entity, "base64", at + "/data",
                         "is not base64"};
      bytes = std::move(*decoded);
    } else {
      const std::string url = text_of(m, "url");
      auto parsed = boost::urls::parse_uri(url);
      if (!parsed)
        return HookError{http::status::unprocessable_entity, "url", at + "/url", "is not a URL"};
      const std::string host = lower(std::string(parsed->encoded_host_address()));
      if (host.find('%') != std::string::npos || host.empty())
        return HookError{http::status::unprocessable_entity, "url", at + "/url",
                         "has a host relais does not accept"};
      const bool listed = std::any_of(hosts.begin(), hosts.end(), [&](const std::string& h) {
        return host == h || (host.size() > h.size() && host.ends_with(h) &&
                             host[host.size() - h.size() - 1] == '.');
      });
      if (!listed)
        return HookError{http::status::unprocessable_entity, "host_not_allowed", at + "/url",
                         fmt::format("{} is not among this hook's media_hosts", host)};
      const bool loopback = connectors::http::is_loopback_host(host);
      if (loopback && !allow_private)
        return HookError{http::status::unprocessable_entity, "address_not_allowed", at + "/url",
                         fmt::format("{} is a loopback address", host)};
      if (parsed->scheme() != "https" && !(loopback && allow_private))
        return HookError{http::status::unprocessable_entity, "url", at + "/url",
                         "must be an https URL"};
      connectors::http::ClientOptions options;
      options.total_timeout =
          std::chrono::seconds(std::stoll(setting(hook, "fetch_timeout_seconds")));
      options.connect_timeout =
          std::min<std::chrono::milliseconds>(options.total_timeout, std::chrono::seconds(10));
      options.read_timeout = options.total_timeout;
      options.max_response_bytes = max_bytes + 1;
      options.user_agent = "relais (media fetch)";
      options.address_refused = [allow_private](std::string_view address) -> std::string {
        const std::string kind = connectors::http::internal_address_kind(address);
        // Link-local stays refused even for an intranet: 169.254.169.254 is where clouds
        // hand out the machine's credentials.
        if (kind.empty() || (allow_private && kind != "link-local"))
          return {};
        return fmt::format("{} is a {} address", address, kind);
      };
      connectors::http::Client client(std::move(options));
      connectors::http::Request get;
      get.url = url;
      auto answer = client.send(get);
      if (!answer) {
        const bool refused = answer.error().kind == ErrorKind::invalid_input;
        const bool big = answer.error().message.find("larger") != std::string::npos;
        return HookError{big       ? http::status::payload_too_large
                         : refused ? http::status::unprocessable_entity
                                   : http::status::bad_gateway,
                         big       ? "too_large"
                         : refused ? "address_not_allowed"
                                   : "fetch_failed",
                         at + "/url", answer.error().message};
      }
      if (answer->status != 200)
        return HookError{http::status::bad_gateway, "fetch_failed", at + "/url",
                         fmt::format("the server answered {}", answer->status)};
      if (type.empty()) {
        type = lower(answer->header("Content-Type"));
        type = std::string(trim(type.substr(0, type.find(';'))));
      }
      bytes = std::move(answer->body);
    }
    if (bytes.size() > max_bytes)
      return HookError{http::status::payload_too_large, "too_large", at,
                       fmt::format("the file is larger than {} bytes", max_bytes)};
    if (type.empty() || type == "application/octet-stream")
      type = type_from_name(filename);
    if (!workflow::is_publishable_media(type) && !workflow::is_consent_form(filename, type))
      return HookError{http::status::unsupported_media_type, "media_type", at + "/content_type",
                       fmt::format("{} is not a photo, a video or a consent form (PDF)", type)};
    auto sha = s.media.put(bytes);
    if (!sha)
      return HookError{http::status::service_unavailable, "storage", "",
                       "the file could not be stored; nothing was changed, send again"};
    std::optional<workflow::ImageHashes> hashes;
    const workflow::ImageLimits limits{s.config.images.max_pixels, s.config.mail.max_message_bytes};
    if (auto h = workflow::hash_image(bytes, limits))
      hashes = *h;
    out.push_back({*sha, type, filename, static_cast<std::int64_t>(bytes.size()), hashes});
  }
  return out;
}

struct Acted {
  std::optional<HookError> error;
  std::string answer;  // the JSON of the 202
  bool again = false;  // an earlier call's answer
};

json::object submission_answer(const workflow::Request& r) {
  return {{"reference", r.reference}, {"state", to_string(r.state)}};
}

Acted submit(workflow::Store& store, Services& s, const std::string& hook_name,
             const json::object& body, const std::vector<StoredFile>& files, TimePoint at) {
  workflow::Request draft;
  draft.sender = lower(text_of(body, "sender"));
  draft.sender_name = text_of(body, "sender_name");
  draft.subject = text_of(body, "subject");
  draft.text = text_of(body, "text");
  draft.author = text_of(body, "author");
  draft.declaration.people = text_of(body, "people");
  draft.declaration.consent = text_of(body, "consent");
  draft.declaration.event_date = text_of(body, "date");
  if (const auto* n = body.if_contains("networks")) {
    for (const auto& v : n->as_array())
      draft.declaration.networks.push_back(lower(v.as_string()));
  }
  draft.language = s.config.general.language;
  workflow::Event e;
  e.kind = workflow::EventKind::submitted;
  e.at = at;
  e.actor = "agent:" + draft.sender;
  e.source = "hook:" + hook_name;
  auto request = s.engine.create(store, draft, e);
  int position = 0;
  for (const auto& f : files) {
    store.insert_media(
        {0, request.id, position++, f.sha256, f.content_type, f.filename, f.size, f.hashes});
  }
  link_named_persons(store, request.id,
                     draft.subject + "\n" + draft.text + "\n" + draft.declaration.people, e.actor,
                     at);
  ++s.metrics.transitions;
  spdlog::info("hook submission hook={} request={} files={}", hook_name, request.reference,
               files.size());
  return {std::nullopt, json::serialize(submission_answer(request))};
}

Acted takedown(workflow::Store& store, Services& s, const ChannelConfig& hook,
               const json::object& body, const std::vector<StoredFile>& files, TimePoint at) {
  workflow::CaseDraft draft;
  draft.origin = "hook";
  draft.requester = lower(text_of(body, "requester"));
  draft.requester_name = text_of(body, "requester_name");
  draft.text = text_of(body, "text");
  if (const auto* urls = body.if_contains("urls")) {
    for (const auto& u : urls->as_array())
      draft.text += "\n" + std::string(u.as_string());
  }
  draft.language =
      body.contains("language") ? text_of(body, "language") : s.config.general.language;
  draft.email_confirmed = setting(hook, "requester_verified") == "true";
  for (const auto& f : files)
    draft.evidence.push_back({f.sha256, f.content_type, f.filename, f.size, f.hashes});
  draft.actor = "requester:" + draft.requester;
  draft.source = "hook:" + hook.name;
  auto opened = s.cases.open(store, draft, at);
  spdlog::info("hook takedown hook={} case={} files={} confirm_email={}", hook.name,
               opened.takedown.reference, files.size(), opened.needs_email_confirmation);
  return {std::nullopt, json::serialize(json::object{
                            {"reference", opened.takedown.reference},
                            {"state", to_string(opened.takedown.state)},
                            {"needs_email_confirmation", opened.needs_email_confirmation}})};
}

Acted decide(workflow::Store& store, Services& s, const ChannelConfig& hook,
             const json::object& body, const std::string& key, TimePoint at) {
  auto request = store.find_request(upper(text_of(body, "reference")));
  if (!request)
    return {HookError{http::status::not_found, "not_found", "/reference", "no such request"}, {}};
  const std::string decision = text_of(body, "decision");
  workflow::Event e;
  e.kind = decision == "approve"  ? workflow::EventKind::approve
           : decision == "reject" ? workflow::EventKind::reject
                                  : workflow::EventKind::request_changes;
  e.at = at;
  const std::string who =
      setting(hook, "referent").empty() ? s.config.referent.address : setting(hook, "referent");
  e.actor = "referent:" + lower(who);
  e.source = fmt::format("hook:{}:{}", hook.name, key.substr(0, 64));
  e.reason = text_of(body, "reason");
  if (e.kind != workflow::EventKind::approve && trim(e.reason).empty())
    return {HookError{http::status::unprocessable_entity, "reason_missing", "/reason",
                      "is required to reject or to request changes"},
            {}};
  if (const auto* c = body.if_contains("channels")) {
    for (const auto& v : c->as_array())
      e.channels.emplace_back(v.as_string());
  }
  if (body.contains("publish_at")) {
    auto t = connectors::http::network_time(text_of(body, "publish_at"));
    if (!t)
      return {HookError{http::status::unprocessable_entity, "date_time", "/publish_at",
                        "is not a date and time relais can read"},
              {}};
    e.publish_at = std::chrono::time_point_cast<std::chrono::milliseconds>(*t);
  }
  if (body.contains("text"))
    e.text = text_of(body, "text");
  const auto* confirm = body.if_contains("confirm_election");
  e.election_confirmed = confirm && confirm->is_bool() && confirm->as_bool();
  if (e.kind == workflow::EventKind::approve && !e.election_confirmed &&
      workflow::needs_election_confirmation(*request, e, s.engine.policy()))
    return {HookError{http::status::unprocessable_entity, "election", "/confirm_election",
                      "must be true: this is a pre-election period"},
            {}};
  auto handled = s.engine.handle(store, request->id, e);
  if (!handled.applied) {
    ++s.metrics.refused_events;
    return {HookError{http::status::conflict, "refused", "", handled.refusal}, {}};
  }
  ++s.metrics.transitions;
  spdlog::info("hook decision hook={} request={} action={}", hook.name, request->reference,
               decision);
  return {std::nullopt, json::serialize(submission_answer(*handled.request))};
}

HttpResponse accepted(const std::string& answer, bool again) {
  HttpResponse res = json_answer(http::status::accepted, json::parse(answer));
  if (again)
    res.set("Idempotent-Replayed", "true");
  return res;
}

}  // namespace

boost::asio::awaitable<HttpResponse> route_hook(Services& s, std::string name,
                                                const HttpRequest& req) {
  const ChannelConfig* hook = find_hook(s.config, name);
  if (hook == nullptr)
    co_return error_answer(
        {http::status::not_found, "no_such_hook", "", "no hook of that name is configured"});
  if (req.method() != http::verb::post) {
    auto res = error_answer({http::status::method_not_allowed, "method", "", "use POST"});
    res.set(http::field::allow, "POST");
    co_return res;
  }
  const std::string kind = setting(*hook, "kind");
  const auto secret = read_secret(setting(*hook, "secret_file"));
  if (!secret || secret->empty()) {
    spdlog::error("hook secret unreadable hook={}", name);
    co_return error_answer({http::status::service_unavailable, "configuration", "",
                            "the hook's secret cannot be read; tell relais's administrator"});
  }
  const std::string timestamp(req[webhook::kTimestampHeader]);
  const std::string signature(req[webhook::kSignatureHeader]);
  switch (
      webhook::verify_signature(*secret, timestamp, req.body(), signature, workflow::wall_now())) {
    case webhook::SignatureProblem::none:
      break;
    case webhook::SignatureProblem::malformed:
      co_return error_answer({http::status::unauthorized, "signature", "",
                              "X-Relais-Timestamp (Unix seconds) and X-Relais-Signature "
                              "(sha256=hex) are required"});
    case webhook::SignatureProblem::too_old:
      co_return error_answer({http::status::unauthorized, "timestamp", "",
                              "the timestamp is more than five minutes from relais's clock"});
    case webhook::SignatureProblem::mismatch:
      spdlog::warn("hook refused hook={} reason=signature", name);
      co_return error_answer({http::status::unauthorized, "signature", "",
                              "the signature does not match the body and timestamp"});
  }
  const auto type = lower(req[http::field::content_type]);
  if (!type.starts_with("application/json"))
    co_return error_answer({http::status::unsupported_media_type, "content_type", "",
                            "send Content-Type: application/json"});
  boost::system::error_code ec;
  json::value parsed = json::parse(req.body(), ec);
  if (ec)
    co_return error_answer({http::status::bad_request, "json", "",
                            fmt::format("the body is not JSON: {}", ec.message())});
  const auto problems = webhook::validate(body_schema(kind), parsed);
  if (!problems.empty()) {
    json::array all;
    for (const auto& p : problems)
      all.push_back(json::object{{"field", p.pointer}, {"message", p.message}});
    co_return error_answer({http::status::unprocessable_entity, "schema", problems[0].pointer,
                            fmt::format("{} {}", problems[0].pointer, problems[0].message)},
                           {{"problems", std::move(all)},
                            {"schema", fmt::format("/schemas/hooks/{}.schema.json", kind)}});
  }
  const json::object& body = parsed.as_object();
  const std::string body_sha256 = workflow::sha256_hex(req.body());
  std::string key(req["Idempotency-Key"]);
  if (key.size() > 200)
    co_return error_answer({http::status::bad_request, "idempotency_key", "",
                            "the Idempotency-Key header is longer than 200 characters"});
  if (key.empty())
    key = text_of(body, "idempotency_key");
  if (key.empty())
    key = "sha256:" + body_sha256;
  if (kind == "submission" &&
      !sender_allowed(text_of(body, "sender"), s.config.mail.allowed_senders))
    co_return error_answer({http::status::unprocessable_entity, "sender_not_allowed", "/sender",
                            "is not an allowed sender (mail.allowed_senders)"});

  // Before any fetch: a replay or a repeat is answered from the store. Every signed call's
  // signature is kept, even one refused later: a refused decision replayed once the request's
  // state allows it must not act.
  const auto reused_key = [&](const workflow::Store::HookCall& call) -> std::optional<HookError> {
    if (call.body_sha256 == body_sha256)
      return std::nullopt;
    return HookError{http::status::unprocessable_entity, "idempotency_key_reused",
                     "/idempotency_key",
                     "this idempotency key was used for another body; use a new key"};
  };
  Acted early;
  try {
    auto job0 = [&, at = workflow::now_ms()](workflow::Store& store) {
      Acted out;
      if (!store.first_hook_signature(signature, at, at - 2 * webhook::kSignatureWindow)) {
        out.error = HookError{http::status::conflict, "replay", "",
                              "this exact call was already received (replayed signature)"};
      } else if (auto call = store.hook_call(name, key)) {
        out.error = reused_key(*call);
        out.answer = call->answer;
        out.again = true;
      }
      return out;
    };
    early = co_await s.writer.run(job0);
  } catch (const std::exception& e) {
    spdlog::error("hook store failed hook={} error=\"{}\"", name, e.what());
    co_return error_answer({http::status::service_unavailable, "busy", "",
                            "the store is busy or failing; nothing was changed, send again"});
  }
  if (early.error)
    co_return error_answer(*early.error);
  if (early.again)
    co_return accepted(early.answer, true);

  std::vector<StoredFile> files;
  if (const auto* media = body.if_contains("media")) {
    auto job1 = [&]() { return gather_media(s, *hook, media->as_array()); };
    auto gathered = co_await on_pool(s.pool, job1);
    if (auto* err = std::get_if<HookError>(&gathered)) {
      spdlog::info("hook refused hook={} reason={} field={}", name, err->code, err->field);
      co_return error_answer(*err);
    }
    files = std::move(std::get<std::vector<StoredFile>>(gathered));
  }

  Acted acted;
  try {
    auto job2 = [&, at = workflow::now_ms()](workflow::Store& store) {
      // Another call with this key may have been committed while the media were fetched.
      if (auto call = store.hook_call(name, key))
        return Acted{reused_key(*call), call->answer, true};
      Acted out = kind == "submission" ? submit(store, s, name, body, files, at)
                  : kind == "takedown" ? takedown(store, s, *hook, body, files, at)
                                       : decide(store, s, *hook, body, key, at);
      if (!out.error)
        store.record_hook_call(name, key, {body_sha256, out.answer}, at, at - kKeepCalls);
      return out;
    };
    acted = co_await s.writer.run(job2);
  } catch (const std::exception& e) {
    spdlog::error("hook commit failed hook={} error=\"{}\"", name, e.what());
    co_return error_answer({http::status::service_unavailable, "busy", "",
                            "the store is busy or failing; nothing was changed, send again"});
  }
  if (acted.error)
    co_return error_answer(*acted.error);
  if (!acted.again && s.wake_dispatcher)
    s.wake_dispatcher();
  co_return accepted(acted.answer, acted.again);
}

HttpResponse schema_file(std::string_view path) {
  const auto text = webhook::embedded_schema(path);
  if (!text)
    return error_answer({http::status::not_found, "not_found", "", "no such schema"});
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "application/schema+json");
  res.set(http::field::cache_control, "public, max-age=3600");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::string(*text);
  return res;
}

BodyLimits with_hook_limits(BodyLimits base, Services& s) {
  auto inner = base.limit_for;
  base.limit_for = [inner, &s](const HttpRequestHeader& h) -> std::optional<std::uint64_t> {
    // The larger body only for a configured hook, signed with a current timestamp: an
    // unsigned caller gets the default limit, whatever it sends.
    if (h.method() == http::verb::post && h.target().starts_with("/hooks/") &&
        !h[webhook::kSignatureHeader].empty()) {
      const auto* hook =
          find_hook(s.config, std::string_view(h.target().data(), h.target().size()).substr(7));
      std::int64_t ts = 0;
      const auto stamp = h[webhook::kTimestampHeader];
      const auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ts);
      const auto current =
          std::chrono::duration_cast<std::chrono::seconds>(workflow::wall_now().time_since_epoch())
              .count();
      if (hook != nullptr && ec == std::errc{} && end == stamp.data() + stamp.size() &&
          ts > current - webhook::kSignatureWindow.count() &&
          ts < current + webhook::kSignatureWindow.count()) {
        // base64 is 4/3 of the bytes; bounded by four files of the largest size.
        return std::stoull(setting(*hook, "max_media_bytes")) / 3 * 4 * 4 + 64 * 1024;
      }
    }
    return inner ? inner(h) : std::nullopt;
  };
  return base;
}

}  // namespace relais::daemon
