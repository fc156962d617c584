#include "connectors/x/x_publisher.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <sstream>

#include "connectors/http/post_text.hpp"
#include "connectors/x/x_answer.hpp"
#include "connectors/x/x_media.hpp"
#include "connectors/x/x_tweet_text.hpp"
#include "workflow/text_length.hpp"

namespace relais::connectors::x {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxWeightedLength = 280;

bool is_id(std::string_view id) {
  return !id.empty() && id.size() <= 19 && id.find_first_not_of("0123456789") == std::string::npos;
}

std::string without_final_slashes(std::string url) {
  while (url.ends_with('/'))
    url.pop_back();
  return url;
}

}  // namespace

std::string post_url(const std::string& id) {
  return "https://x.com/i/web/status/" + id;
}

XPublisher::XPublisher(XOptions options, std::shared_ptr<http::Client> client)
    : options_(std::move(options)),
      client_(std::move(client)),
      tokens_({options_.token_url, options_.client_id, options_.client_secret,
               options_.refresh_token_file, "", "X"},
              client_) {
  options_.base_url = without_final_slashes(options_.base_url);
  options_.upload_base_url = without_final_slashes(options_.upload_base_url);
  // X takes chunks of up to 5 MB; a chunk of nothing would never end.
  options_.chunk_bytes = std::clamp<std::size_t>(options_.chunk_bytes, 1, 5 * 1024 * 1024);
}

Result<http::Response> XPublisher::call(http::Request request) {
  auto token = tokens_.access_token();
  if (!token)
    return token.error();
  request.headers.push_back({"Authorization", "Bearer " + *token});
  auto answer = client_->send(request);
  if (!answer || answer->status != 401)
    return answer;
  // Refused before X acted on it: renewed (once) and made again.
  auto renewed = tokens_.renewed_after(*token);
  if (!renewed)
    return renewed.error();
  request.headers.back().value = "Bearer " + *renewed;
  return client_->send(request);
}

Result<PostRef> XPublisher::create(const Post& post) {
  const std::string text = http::compose_text(post);
  if (const auto weight = workflow::x_weighted_length(text); weight > kMaxWeightedLength) {
    return permanent(
        fmt::format("The text weighs {} characters as X counts them (each link 23, each emoji "
                    "and Chinese, Japanese or Korean character 2); X takes at most {}: shorten "
                    "it.",
                    weight, kMaxWeightedLength));
  }
  if (auto fits = check_media(post.media); !fits)
    return fits.error();
  json::array media_ids;
  for (const auto& m : post.media) {
    auto id = upload(m);
    if (!id)
      return id.error();
    media_ids.emplace_back(*id);
  }
  json::object tweet{{"text", text}};
  if (!media_ids.empty())
    tweet["media"] = json::object{{"media_ids", std::move(media_ids)}};
  http::Request r;
  r.method = "POST";
  r.url = options_.base_url + "/2/tweets";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = json::serialize(tweet);
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status == 403 && x_message(*answer).find("duplicate content") != std::string::npos) {
    // The same text is already on the account: ours, from a call whose answer was lost, when
    // it is among the latest posts; otherwise an older one that X will not let us repeat.
    auto earlier = find(post);
    if (!earlier)
      return earlier.error();
    if (*earlier)
      return **earlier;
    return x_error(*answer, "the post");
  }
  if (answer->status != 201 && answer->status != 200)
    return x_error(*answer, "the post");
  auto data = x_data(*answer, "the post");
  if (!data)
    return data.error();
  const std::string id = string_field(*data, "id");
  if (!is_id(id))
    return transient("X published the post without giving its id.");
  return PostRef{id, post_url(id)};
}

Result<void> XPublisher::remove(const PostRef& ref) {
  if (!is_id(ref.id))
    return invalid_input("An X post id is a number of up to 19 digits.");
  http::Request r;
  r.method = "DELETE";
  r.url = options_.base_url + "/2/tweets/" + ref.id;
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status == 404)
    return {};
  const std::string what = "the removal of post " + ref.id;
  if (answer->status != 200)
    return x_error(*answer, what);
  auto data = x_data(*answer, what);
  if (!data)
    return data.error();
  if (const auto* deleted = data->if_contains("deleted");
      deleted && deleted->is_bool() && deleted->as_bool())
    return {};
  // "deleted": false: gone already, or refused; the post itself says which.
  auto there = still_there(ref.id);
  if (!there)
    return there.error();
  if (*there)
    return permanent(
        fmt::format("X answered that post {} was not deleted, and it is still there.", ref.id));
  return {};
}

Result<bool> XPublisher::still_there(const std::string& id) {
  http::Request r;
  r.url = options_.base_url + "/2/tweets/" + id;
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status == 404)
    return false;
  if (answer->status != 200)
    return x_error(*answer, "the lookup of post " + id);
  // A post that is gone is a 200 with only {"errors": [{"type": ".../resource-not-found"}]}.
  boost::system::error_code ec;
  const auto v = json::parse(answer->body, ec);
  if (ec || !v.is_object())
    return transient("X answered the lookup of a post with something that is not JSON.");
  return v.as_object().contains("data");
}

Result<json::object> XPublisher::me() {
  http::Request r;
  r.url = options_.base_url + "/2/users/me";
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return x_error(*answer, "the account lookup");
  auto data = x_data(*answer, "the account lookup");
  if (!data)
    return data.error();
  if (!is_id(string_field(*data, "id")))
    return transient("X did not give the account's id.");
  std::lock_guard lock(mutex_);
  user_id_ = string_field(*data, "id");
  return data;
}

Result<std::string> XPublisher::user_id() {
  {
    std::lock_guard lock(mutex_);
    if (!user_id_.empty())
      return user_id_;
  }
  auto account = me();
  if (!account)
    return account.error();
  return string_field(*account, "id");
}

Result<std::optional<PostRef>> XPublisher::find(const Post& post) {
  auto account = user_id();
  if (!account)
    return account.error();
  http::Request r;
  r.url =
      options_.base_url + "/2/users/" + *account + "/tweets?max_results=10&tweet.fields=created_at";
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return x_error(*answer, "the list of the account's posts");
  boost::system::error_code ec;
  const auto v = json::parse(answer->body, ec);
  if (ec || !v.is_object())
    return transient("X answered the list of the account's posts with something that is not JSON.");
  const auto* list = v.as_object().if_contains("data");
  if (!list)  // no post at all: {"meta": {"result_count": 0}}
    return std::optional<PostRef>();
  if (!list->is_array())
    return transient("X answered the list of the account's posts without a list.");
  const std::string text = http::compose_text(post);
  for (const auto& item : list->as_array()) {
    if (!item.is_object())
      continue;
    const auto& tweet = item.as_object();
    const std::string id = string_field(tweet, "id");
    if (is_id(id) && same_tweet_text(text, string_field(tweet, "text"), !post.media.empty()) &&
        http::made_in_time(post, http::network_time(string_field(tweet, "created_at"))))
      return std::optional<PostRef>(PostRef{id, post_url(id)});
  }
  return std::optional<PostRef>();
}

Result<std::string> XPublisher::check() {
  auto account = me();
  if (!account)
    return account.error();
  const std::string username = string_field(*account, "username");
  // The scopes X says it granted: a token without tweet.write or media.write reads the
  // account well and fails only at the first post.
  const std::string granted = fmt::format(" {} ", tokens_.scopes());
  if (granted.size() > 2) {
    std::string missing;
    std::istringstream wanted{std::string(kScopes)};
    for (std::string scope; wanted >> scope;) {
      if (granted.find(fmt::format(" {} ", scope)) == std::string::npos)
        missing += (missing.empty() ? "" : " ") + scope;
    }
    if (!missing.empty()) {
      return permanent(fmt::format(
          "relais is authorised on X as @{} without the scopes {}: authorise relais again with "
          "the scopes {} and put the new refresh token in refresh_token_file.",
          username, missing, kScopes));
    }
  }
  return fmt::format("posts as @{} (id {})", username, string_field(*account, "id"));
}

}  // namespace relais::connectors::x
