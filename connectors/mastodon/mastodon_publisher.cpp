#include "connectors/mastodon/mastodon_publisher.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <thread>

#include "connectors/http/retry_hint.hpp"

namespace relais::connectors::mastodon {
namespace json = boost::json;

namespace {

// The server's own sentence ({"error": "..."}), or the status when it gave none.
std::string server_message(const http::Response& r) {
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e && e->is_string())
      return std::string(e->as_string());
  }
  return fmt::format("HTTP {}", r.status);
}

Error error_of(const http::Response& r) {
  const std::string said = server_message(r);
  if (r.status == 401 || r.status == 403) {
    return permanent(fmt::format(
        "Mastodon refused the access token ({}): create a new one with the write:statuses and "
        "write:media scopes and put it in access_token_file.",
        said));
  }
  if (r.status == 429 || r.status >= 500) {
    Error e = transient(fmt::format("Mastodon is busy or failing ({}).", said));
    e.retry_after = http::retry_hint(r, std::chrono::system_clock::now());
    return e;
  }
  return permanent(fmt::format("Mastodon refused the post: {}.", said));
}

Result<json::object> object_of(const http::Response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    return transient("Mastodon answered with something that is not JSON.");
  return std::move(v.as_object());
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

MastodonPublisher::MastodonPublisher(MastodonOptions options, std::shared_ptr<http::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {
  while (options_.base_url.ends_with('/'))
    options_.base_url.pop_back();
}

Result<http::Response> MastodonPublisher::call(http::Request request) {
  request.url = options_.base_url + request.url;
  request.headers.push_back({"Authorization", "Bearer " + options_.access_token});
  request.headers.push_back({"Accept", "application/json"});
  return client_->send(request);
}

Result<std::string> MastodonPublisher::upload(const MediaFile& media) {
  const auto form = http::multipart_form(
      {{"file", "", media.path, media.path.filename().string(), media.content_type},
       {"description", media.alt, {}, "", ""}});
  http::Request r;
  r.method = "POST";
  r.url = "/api/v2/media";
  r.headers = {{"Content-Type", form.content_type}};
  r.parts = form.parts;
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200 && answer->status != 202)
    return error_of(*answer);
  auto body = object_of(*answer);
  if (!body)
    return body.error();
  const std::string id = string_field(*body, "id");
  if (id.empty())
    return transient("Mastodon accepted the media without giving its id.");
  // 202: processing (206 on each poll meanwhile); it may be attached once processed.
  bool ready = answer->status == 200;
  for (int i = 0; !ready && i < options_.poll_attempts; ++i) {
    std::this_thread::sleep_for(options_.poll_interval);
    http::Request poll;
    poll.url = "/api/v1/media/" + id;
    answer = call(poll);
    if (!answer)
      return answer.error();
    if (answer->status != 200 && answer->status != 206)
      return error_of(*answer);
    ready = answer->status == 200;
  }
  if (!ready) {
    return transient(fmt::format("Mastodon was still processing media {} after {} tries.", id,
                                 options_.poll_attempts));
  }
  return id;
}

Result<PostRef> MastodonPublisher::create(const Post& post) {
  json::array media_ids;
  for (const auto& m : post.media) {
    auto id = upload(m);
    if (!id)
      return id.error();
    media_ids.emplace_back(*id);
  }
  std::string text = post.text;
  if (!post.author.empty() && !post.media.empty())
    text += "\n\n© " + post.author;
  json::object status{{"status", text},
                      {"media_ids", std::move(media_ids)},
                      {"visibility", options_.visibility},
                      {"language", options_.language}};
  http::Request r;
  r.method = "POST";
  r.url = "/api/v1/statuses";
  r.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", post.idempotency_key}};
  r.body = json::serialize(status);
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return error_of(*answer);
  auto body = object_of(*answer);
  if (!body)
    return body.error();
  PostRef ref{string_field(*body, "id"), string_field(*body, "url")};
  if (ref.id.empty())
    return transient("Mastodon published the status without giving its id.");
  return ref;
}

Result<void> MastodonPublisher::remove(const PostRef& ref) {
  if (ref.id.empty() || ref.id.find_first_not_of("0123456789") != std::string::npos)
    return invalid_input("A Mastodon status id is a number.");
  http::Request r;
  r.method = "DELETE";
  r.url = "/api/v1/statuses/" + ref.id;
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status == 200 || answer->status == 404)
    return {};
  return error_of(*answer);
}

}  // namespace relais::connectors::mastodon
