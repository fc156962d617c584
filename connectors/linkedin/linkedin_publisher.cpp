#include "connectors/linkedin/linkedin_publisher.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "connectors/http/post_text.hpp"
#include "connectors/linkedin/linkedin_api.hpp"
#include "connectors/linkedin/little_text.hpp"

namespace relais::connectors::linkedin {
namespace json = boost::json;

namespace {

constexpr std::string_view kOrganizationPrefix = "urn:li:organization:";
constexpr std::size_t kMaxImages = 20;  // content.multiImage takes 2 to 20

bool is_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// The URNs a post created through /rest/posts is known by.
bool is_post_urn(std::string_view id) {
  for (std::string_view prefix : {"urn:li:share:", "urn:li:ugcPost:"}) {
    if (id.starts_with(prefix))
      return is_digits(id.substr(prefix.size()));
  }
  return false;
}

bool is_image(std::string_view type) {
  return type == "image/jpeg" || type == "image/png" || type == "image/gif";
}

std::string iso_date(std::chrono::system_clock::time_point at) {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(at)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

// Why a post cannot go to LinkedIn as it is, found before anything is uploaded; empty if it
// can. A post carries one video alone, or 1 to 20 photos.
std::string media_refusal(const Post& post) {
  std::size_t images = 0;
  std::size_t videos = 0;
  for (const auto& m : post.media) {
    if (m.content_type == "video/mp4") {
      ++videos;
    } else if (is_image(m.content_type)) {
      ++images;
    } else {
      return fmt::format("LinkedIn posts carry JPEG, PNG or GIF photos and MP4 videos, not {}.",
                         m.content_type);
    }
  }
  if (videos > 1 || (videos == 1 && images > 0)) {
    return fmt::format(
        "A LinkedIn post carries either one video alone or photos; this one has {} video(s) and "
        "{} photo(s).",
        videos, images);
  }
  if (images > kMaxImages)
    return fmt::format("A LinkedIn post carries at most {} photos; this one has {}.", kMaxImages,
                       images);
  return {};
}

}  // namespace

std::optional<std::string> organization_urn(std::string_view organization) {
  std::string_view id = organization;
  if (id.starts_with(kOrganizationPrefix))
    id.remove_prefix(kOrganizationPrefix.size());
  if (!is_digits(id))
    return std::nullopt;
  return std::string(kOrganizationPrefix) + std::string(id);
}

std::string post_url(std::string_view urn) {
  return fmt::format("https://www.linkedin.com/feed/update/{}/", urn);
}

LinkedInPublisher::LinkedInPublisher(LinkedInOptions options, std::shared_ptr<http::Client> client)
    : options_(std::move(options)),
      client_(std::move(client)),
      page_(organization_urn(options_.organization).value_or(options_.organization)) {
  while (options_.base_url.ends_with('/'))
    options_.base_url.pop_back();
}

Result<std::string> LinkedInPublisher::organization() {
  auto urn = organization_urn(options_.organization);
  if (!urn) {
    return permanent(fmt::format(
        "The linkedin channel's organization must be the page's URN (urn:li:organization:123) "
        "or its number, not '{}'.",
        options_.organization));
  }
  return std::move(*urn);
}

CallContext LinkedInPublisher::context(std::string_view what) const {
  return {what, page_, options_.linkedin_version};
}

Result<http::Response> LinkedInPublisher::call(http::Request request) {
  request.url = options_.base_url + request.url;
  request.headers.push_back({"Authorization", "Bearer " + options_.access_token});
  request.headers.push_back({"LinkedIn-Version", options_.linkedin_version});
  request.headers.push_back({"X-Restli-Protocol-Version", "2.0.0"});
  return client_->send(request);
}

Result<PostRef> LinkedInPublisher::create(const Post& post) {
  auto author = organization();
  if (!author)
    return author.error();
  if (auto refusal = media_refusal(post); !refusal.empty())
    return permanent(std::move(refusal));
  json::array items;
  for (const auto& m : post.media) {
    auto id = m.content_type == "video/mp4" ? upload_video(m) : upload_image(m);
    if (!id)
      return id.error();
    json::object item{{"id", *id}};
    if (!m.alt.empty())
      item["altText"] = m.alt;
    items.emplace_back(std::move(item));
  }
  json::object body{{"author", *author},
                    {"commentary", little_escape(http::compose_text(post))},
                    {"visibility", "PUBLIC"},
                    {"distribution",
                     {{"feedDistribution", "MAIN_FEED"},
                      {"targetEntities", json::array()},
                      {"thirdPartyDistributionChannels", json::array()}}}};
  if (items.size() == 1)
    body["content"] = json::object{{"media", std::move(items[0])}};
  else if (items.size() > 1)
    body["content"] = json::object{{"multiImage", {{"images", std::move(items)}}}};
  body["lifecycleState"] = "PUBLISHED";
  body["isReshareDisabledByAuthor"] = false;

  http::Request r;
  r.method = "POST";
  r.url = "/rest/posts";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = json::serialize(body);
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status == 201) {
    const std::string urn = answer->header("x-restli-id");
    if (urn.empty()) {
      // Made, but unnamed: find() must look for it before anything is tried again.
      Error e = transient("LinkedIn published the post without giving its id (x-restli-id).");
      e.outcome_unknown = true;
      return e;
    }
    return PostRef{urn, post_url(urn)};
  }
  // LinkedIn's only guard against a second copy: the page already has this very post.
  if (auto urn = duplicate_of(*answer))
    return PostRef{*urn, post_url(*urn)};
  return error_of(*answer, context("the post"));
}

Result<void> LinkedInPublisher::remove(const PostRef& ref) {
  if (!is_post_urn(ref.id))
    return invalid_input(
        "A LinkedIn post id is a URN such as urn:li:share:123 or urn:li:ugcPost:123.");
  http::Request r;
  r.method = "DELETE";
  r.url = "/rest/posts/" + percent_encode(ref.id);
  r.headers = {{"X-RestLi-Method", "DELETE"}};
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status == 204 || answer->status == 200 || answer->status == 404 ||
      answer->status == 410)
    return {};
  return error_of(*answer, context("the removal of the post"));
}

Result<std::optional<PostRef>> LinkedInPublisher::find(const Post& post) {
  auto author = organization();
  if (!author)
    return author.error();
  http::Request r;
  r.url =
      "/rest/posts?author=" + percent_encode(*author) + "&q=author&count=20&sortBy=LAST_MODIFIED";
  r.headers = {{"X-RestLi-Method", "FINDER"}};
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return error_of(*answer, context("the list of the page's posts"));
  auto body = object_of(*answer, "the list of the page's posts");
  if (!body)
    return body.error();
  const auto* elements = body->if_contains("elements");
  if (!elements || !elements->is_array())
    return transient("LinkedIn answered the list of the page's posts without its elements.");
  const std::string text = http::compose_text(post);
  for (const auto& element : elements->as_array()) {
    if (!element.is_object())
      continue;
    const auto& item = element.as_object();
    const std::string id = string_field(item, "id");
    // createdAt: milliseconds since the epoch.
    std::optional<std::chrono::system_clock::time_point> made;
    if (const auto* at = item.if_contains("createdAt"); at && at->is_int64())
      made = std::chrono::system_clock::time_point(std::chrono::milliseconds(at->as_int64()));
    if (!id.empty() && commentary_holds(string_field(item, "commentary"), text) &&
        http::made_in_time(post, made))
      return std::optional<PostRef>(PostRef{id, post_url(id)});
  }
  return std::optional<PostRef>();
}

Result<std::string> LinkedInPublisher::check() {
  auto urn = organization();
  if (!urn)
    return urn.error();
  http::Request r;
  r.url = "/rest/organizations/" + urn->substr(kOrganizationPrefix.size());
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return error_of(*answer, context("the page's details"));
  auto body = object_of(*answer, "the page's details");
  if (!body)
    return body.error();
  const std::string name = string_field(*body, "localizedName");
  if (name.empty())
    return transient("LinkedIn answered the page's details without its name (localizedName).");
  std::string sentence = fmt::format("posts as organisation '{}' ({})", name, *urn);
  if (options_.token_expires_at)
    sentence += "; token valid until " + iso_date(*options_.token_expires_at);
  return sentence;
}

}  // namespace relais::connectors::linkedin
