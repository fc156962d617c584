#include "connectors/mastodon/mastodon_publisher.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <thread>

#include "connectors/http/post_text.hpp"
#include "connectors/http/retry_hint.hpp"
#include "workflow/text_length.hpp"
#include "workflow/wall_clock.hpp"

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
        "Mastodon refused the access token ({}): create a new one with the write:statuses, "
        "write:media and read:accounts scopes and put it in access_token_file.",
        said));
  }
  if (r.status == 429 || r.status >= 500) {
    Error e = transient(fmt::format("Mastodon is busy or failing ({}).", said));
    e.retry_after = http::retry_hint(r, workflow::wall_now());
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
  auto wait = options_.poll_interval;
  for (int i = 0; !ready && i < options_.poll_attempts; ++i) {
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::max(options_.poll_max, options_.poll_interval));
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
  const std::string text = http::compose_text(post);
  const Limits limit = limits();
  if (const auto n = workflow::mastodon_length(text); n > limit.max_characters) {
    return permanent(fmt::format("The text is {} characters long; this Mastodon server takes {}.",
                                 n, limit.max_characters));
  }
  if (post.media.size() > limit.max_media) {
    return permanent(fmt::format("The post has {} photos or videos; this Mastodon server takes {}.",
                                 post.media.size(), limit.max_media));
  }
  json::array media_ids;
  for (const auto& m : post.media) {
    auto id = upload(m);
    if (!id)
      return id.error();
    media_ids.emplace_back(*id);
  }
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

Result<json::object> MastodonPublisher::get_object(const std::string& path) {
  http::Request r;
  r.url = path;
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return error_of(*answer);
  return object_of(*answer);
}

MastodonPublisher::Limits MastodonPublisher::limits() {
  {
    std::lock_guard lock(mutex_);
    if (limits_)
      return *limits_;
  }
  Limits out;
  auto instance = get_object("/api/v2/instance");
  if (!instance)
    return out;  // an older server or a passing failure: its 422 will say it instead
  auto number = [](const json::value* v, std::size_t fallback) {
    return v && v->is_int64() && v->as_int64() > 0 ? static_cast<std::size_t>(v->as_int64())
                                                   : fallback;
  };
  if (const auto* c = instance->if_contains("configuration"); c && c->is_object()) {
    if (const auto* st = c->as_object().if_contains("statuses"); st && st->is_object()) {
      out.max_characters = number(st->as_object().if_contains("max_characters"), 500);
      out.max_media = number(st->as_object().if_contains("max_media_attachments"), 4);
    }
  }
  std::lock_guard lock(mutex_);
  limits_ = out;
  return out;
}

Result<std::optional<PostRef>> MastodonPublisher::find(const Post& post) {
  http::Request who;
  who.url = "/api/v1/accounts/verify_credentials";
  auto answer_who = call(who);
  if (!answer_who)
    return answer_who.error();
  // A token made without read:accounts (as this README once advised) cannot look; the
  // Idempotency-Key still makes a retry within the hour return the same status.
  if (answer_who->status == 403)
    return std::optional<PostRef>();
  if (answer_who->status != 200)
    return error_of(*answer_who);
  auto me = object_of(*answer_who);
  if (!me)
    return me.error();
  const std::string account = string_field(*me, "id");
  if (account.empty() || account.find_first_not_of("0123456789") != std::string::npos)
    return transient("Mastodon did not give the account's id.");
  http::Request r;
  r.url = "/api/v1/accounts/" + account + "/statuses?limit=40&exclude_replies=true";
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return error_of(*answer);
  boost::system::error_code ec;
  const auto list = json::parse(answer->body, ec);
  if (ec || !list.is_array())
    return transient("Mastodon answered the list of statuses with something that is not a list.");
  const std::string text = http::compose_text(post);
  for (const auto& v : list.as_array()) {
    if (!v.is_object())
      continue;
    const auto& status = v.as_object();
    if (http::same_text(text_of_html(string_field(status, "content")), text) &&
        http::made_in_time(post, http::network_time(string_field(status, "created_at"))))
      return std::optional<PostRef>(
          PostRef{string_field(status, "id"), string_field(status, "url")});
  }
  return std::optional<PostRef>();
}

Result<std::string> MastodonPublisher::check() {
  auto me = get_object("/api/v1/accounts/verify_credentials");
  if (!me)
    return me.error();
  std::string host = options_.base_url;
  if (auto at = host.find("://"); at != std::string::npos)
    host = host.substr(at + 3);
  const Limits limit = limits();
  return fmt::format("posts as @{} on {} ({} characters, {} attachments per status)",
                     string_field(*me, "acct"), host, limit.max_characters, limit.max_media);
}

std::string text_of_html(std::string_view html) {
  static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
      {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
  std::string out;
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] == '<') {
      const auto end = html.find('>', i);
      if (end == std::string_view::npos)
        break;
      const auto tag = html.substr(i + 1, end - i - 1);
      if (tag.starts_with("br"))
        out += '\n';
      else if (tag == "/p")
        out += "\n\n";
      i = end + 1;
      continue;
    }
    if (html[i] == '&') {
      bool decoded = false;
      for (const auto& [entity, text] : kEntities) {
        if (html.substr(i).starts_with(entity)) {
          out += text;
          i += entity.size();
          decoded = true;
          break;
        }
      }
      if (decoded)
        continue;
    }
    out += html[i++];
  }
  return out;
}

}  // namespace relais::connectors::mastodon
