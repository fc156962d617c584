#include "connectors/webhook/webhook_publisher.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/http/post_text.hpp"
#include "connectors/http/retry_hint.hpp"
#include "connectors/webhook/signature.hpp"
#include "workflow/base64.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::webhook {
namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

// fmt 9 writes a system_clock time in the local zone (relaisd sets TZ): UTC is asked for.
std::string utc(Clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(Clock::to_time_t(t)));
}

// The start of the receiver's answer, printable, for the referent: never more than a line.
std::string excerpt(const http::Response& r) {
  std::string out;
  for (char c : r.body.substr(0, 200))
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  return out.empty() ? fmt::format("HTTP {}", r.status) : fmt::format("HTTP {}: {}", r.status, out);
}

Error error_of(const http::Response& r) {
  if (r.status == 401 || r.status == 403) {
    return permanent(fmt::format(
        "The webhook endpoint refused relais's signature ({}): the receiver and secret_file "
        "must hold the same secret.",
        excerpt(r)));
  }
  if (r.status == 429 || r.status >= 500) {
    Error e = transient(fmt::format("The webhook endpoint is busy or failing ({}).", excerpt(r)));
    e.retry_after = http::retry_hint(r, workflow::wall_now());
    return e;
  }
  return permanent(fmt::format("The webhook endpoint refused the event ({}).", excerpt(r)));
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return permanent(fmt::format("The file {} could not be read.", path.filename().string()));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The receiver's name for its copy, when it gave a usable one.
PostRef ref_from_answer(const http::Response& r, const std::string& key) {
  PostRef ref{key, ""};
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    return ref;
  auto text = [&](std::string_view name) -> std::string {
    const auto* f = v.as_object().if_contains(name);
    if (!f || !f->is_string() || f->as_string().size() > 500)
      return {};
    return std::string(f->as_string());
  };
  if (auto id = text("id"); !id.empty())
    ref.id = id;
  if (auto url = text("url"); url.starts_with("https://") || url.starts_with("http://"))
    ref.url = url;
  return ref;
}

}  // namespace

WebhookPublisher::WebhookPublisher(WebhookOptions options, std::shared_ptr<http::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

Result<http::Response> WebhookPublisher::deliver(const std::string& event,
                                                 const std::string& delivery,
                                                 const std::string& body) {
  const auto now = std::chrono::floor<std::chrono::seconds>(workflow::wall_now());
  const std::int64_t timestamp = now.time_since_epoch().count();
  http::Request r;
  r.method = "POST";
  r.url = options_.url;
  r.headers = {{"Content-Type", "application/json"},
               {"X-Relais-Event", event},
               {"X-Relais-Delivery", delivery},
               {std::string(kTimestampHeader), std::to_string(timestamp)},
               {std::string(kSignatureHeader), signature(options_.secret, timestamp, body)}};
  r.body = body;
  return client_->send(r);
}

Result<PostRef> WebhookPublisher::create(const Post& post) {
  json::array media;
  std::size_t inlined = 0;
  for (const auto& m : post.media) {
    auto bytes = read_file(m.path);
    if (!bytes)
      return bytes.error();
    inlined += bytes->size();
    if (inlined > options_.max_inline_bytes) {
      return permanent(
          fmt::format("The photos and videos weigh more than the {} MiB a webhook event may carry "
                      "(max_inline_bytes).",
                      options_.max_inline_bytes / (1024 * 1024)));
    }
    media.push_back(json::object{{"filename", m.path.filename().string()},
                                 {"content_type", m.content_type},
                                 {"sha256", m.sha256},
                                 {"alt", m.alt},
                                 {"size", bytes->size()},
                                 {"data_base64", workflow::base64(*bytes)}});
  }
  const std::string delivery = post.idempotency_key + ":published";
  json::object event{{"event", "published"},
                     {"delivery", delivery},
                     {"sent_at", utc(workflow::wall_now())},
                     {"reference", post.reference},
                     {"post_key", post.idempotency_key},
                     {"post", json::object{{"title", post.title},
                                           {"text", http::compose_text(post)},
                                           {"author", post.author},
                                           {"published_at", utc(post.published_at)},
                                           {"media", std::move(media)}}}};
  auto answer = deliver("published", delivery, json::serialize(event));
  if (!answer)
    return answer.error();
  if (answer->status < 200 || answer->status > 299)
    return error_of(*answer);
  return ref_from_answer(*answer, post.idempotency_key);
}

Result<void> WebhookPublisher::remove(const PostRef& ref) {
  if (ref.id.empty())
    return invalid_input("A webhook post to remove needs its id.");
  const std::string delivery = ref.id + ":removed";
  json::object event{{"event", "removed"},
                     {"delivery", delivery},
                     {"sent_at", utc(workflow::wall_now())},
                     {"post_id", ref.id},
                     {"post_url", ref.url}};
  auto answer = deliver("removed", delivery, json::serialize(event));
  if (!answer)
    return answer.error();
  if ((answer->status >= 200 && answer->status <= 299) || answer->status == 404 ||
      answer->status == 410)
    return {};
  return error_of(*answer);
}

Result<std::optional<PostRef>> WebhookPublisher::find(const Post&) {
  return std::optional<PostRef>();
}

Result<std::string> WebhookPublisher::check() {
  const std::string delivery =
      fmt::format("ping:{}", workflow::wall_now().time_since_epoch().count());
  json::object event{
      {"event", "ping"}, {"delivery", delivery}, {"sent_at", utc(workflow::wall_now())}};
  auto answer = deliver("ping", delivery, json::serialize(event));
  if (!answer)
    return answer.error();
  if (answer->status < 200 || answer->status > 299)
    return error_of(*answer);
  return fmt::format("{} accepted a signed ping (HTTP {})", options_.url, answer->status);
}

}  // namespace relais::connectors::webhook
