#include "connectors/facebook/facebook_publisher.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>

#include "connectors/facebook/graph_error.hpp"
#include "connectors/http/post_text.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::facebook {
namespace json = boost::json;

namespace {

constexpr std::string_view kFacebook = "https://www.facebook.com";

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A publishing call answered 200 with a body relais cannot read: the post was probably made,
// so the dispatcher must look for it (find) rather than make it again.
Error made_but_unreadable(std::string message) {
  Error e = transient(std::move(message));
  e.outcome_unknown = true;
  return e;
}

// Post and video permalinks come absolute ("https://www.facebook.com/..."), video ones may come
// as a path ("/123/videos/456/").
std::string absolute_url(const std::string& permalink, const std::string& id) {
  if (permalink.starts_with("https://"))
    return permalink;
  if (permalink.starts_with('/'))
    return std::string(kFacebook) + permalink;
  return fmt::format("{}/{}", kFacebook, id);
}

struct MediaSplit {
  std::vector<const MediaFile*> photos;
  std::vector<const MediaFile*> videos;
};

Result<MediaSplit> split_media(const std::vector<MediaFile>& media) {
  MediaSplit out;
  for (const auto& m : media) {
    if (m.content_type.starts_with("image/"))
      out.photos.push_back(&m);
    else if (m.content_type.starts_with("video/"))
      out.videos.push_back(&m);
    else
      return invalid_input(fmt::format("Facebook takes photos and videos, not {} ({}).",
                                       m.content_type, m.path.filename().string()));
  }
  if (out.videos.size() > 1 || (!out.videos.empty() && !out.photos.empty())) {
    return invalid_input(
        "A Facebook post carries photos or one video, not both nor several videos: keep the "
        "photos or the video for this channel.");
  }
  return out;
}

}  // namespace

std::string form_urlencoded(const std::vector<std::pair<std::string, std::string>>& fields) {
  auto encode = [](std::string_view s, std::string& out) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
          c == '-' || c == '.' || c == '_') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0x0F];
      }
    }
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty())
      out += '&';
    encode(name, out);
    out += '=';
    encode(value, out);
  }
  return out;
}

bool is_graph_id(std::string_view id) {
  const auto cut = id.find('_');
  if (cut == std::string_view::npos)
    return is_digits(id);
  return is_digits(id.substr(0, cut)) && is_digits(id.substr(cut + 1));
}

FacebookPublisher::FacebookPublisher(FacebookOptions options, std::shared_ptr<http::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {
  for (auto* url : {&options_.base_url, &options_.video_base_url}) {
    while (url->ends_with('/'))
      url->pop_back();
  }
}

Result<void> FacebookPublisher::usable() const {
  if (!is_digits(options_.page_id))
    return invalid_input("page_id must be the Page's numeric id.");
  const std::string_view v = options_.graph_version;
  const auto dot = v.find('.');
  if (!v.starts_with('v') || dot == std::string_view::npos || !is_digits(v.substr(1, dot - 1)) ||
      !is_digits(v.substr(dot + 1)))
    return invalid_input("graph_version must be a Graph API version such as v25.0.");
  return {};
}

Error FacebookPublisher::refused(const http::Response& response) const {
  return graph_error(response, options_.access_token, workflow::wall_now());
}

Result<http::Response> FacebookPublisher::call(http::Request request, Host host) {
  const std::string& base = host == Host::video ? options_.video_base_url : options_.base_url;
  request.url = base + "/" + options_.graph_version + request.url;
  request.headers.push_back({"Authorization", "Bearer " + options_.access_token});
  request.headers.push_back({"Accept", "application/json"});
  return client_->send(request);
}

Result<json::object> FacebookPublisher::success_object(const Result<http::Response>& answer,
                                                       bool publishing) {
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return refused(*answer);
  boost::system::error_code ec;
  auto v = json::parse(answer->body, ec);
  if (!ec && v.is_object())
    return std::move(v.as_object());
  if (publishing)
    return made_but_unreadable("Facebook said yes to the post in something that is not JSON.");
  return transient("Facebook answered with something that is not a JSON object.");
}

Result<json::object> FacebookPublisher::get_object(const std::string& path) {
  http::Request r;
  r.url = path;
  return success_object(call(r));
}

Result<json::object> FacebookPublisher::post_photo(const MediaFile& photo,
                                                   const std::string& message, bool published) {
  std::vector<http::FormField> fields;
  if (!message.empty())
    fields.push_back({"message", message, {}, "", ""});
  fields.push_back({"published", published ? "true" : "false", {}, "", ""});
  if (!photo.alt.empty())
    fields.push_back({"alt_text_custom", photo.alt, {}, "", ""});
  fields.push_back({"source", "", photo.path, photo.path.filename().string(), photo.content_type});
  const auto form = http::multipart_form(fields);
  http::Request r;
  r.method = "POST";
  r.url = "/" + options_.page_id + "/photos";
  r.headers = {{"Content-Type", form.content_type}};
  r.parts = form.parts;
  return success_object(call(r), published);
}

void FacebookPublisher::forget_photos(const std::vector<std::string>& photo_ids) {
  for (const auto& id : photo_ids) {
    http::Request r;
    r.method = "DELETE";
    r.url = "/" + id;
    (void)call(r);  // best effort: an unpublished photo is seen by nobody
  }
}

std::string FacebookPublisher::public_url(const std::string& id) {
  auto node = get_object("/" + id + "?fields=permalink_url");
  return absolute_url(node ? string_field(*node, "permalink_url") : std::string(), id);
}

Result<PostRef> FacebookPublisher::publish_text(const std::string& text) {
  http::Request r;
  r.method = "POST";
  r.url = "/" + options_.page_id + "/feed";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = form_urlencoded({{"message", text}});
  auto post = success_object(call(r), true);
  if (!post)
    return post.error();
  const std::string id = string_field(*post, "id");
  if (!is_graph_id(id))
    return made_but_unreadable("Facebook published the post without giving its id.");
  return PostRef{id, public_url(id)};
}

Result<PostRef> FacebookPublisher::publish_photos(const std::vector<const MediaFile*>& photos,
                                                  const std::string& text) {
  if (photos.size() == 1) {
    auto photo = post_photo(*photos.front(), text, true);
    if (!photo)
      return photo.error();
    const std::string post_id = string_field(*photo, "post_id");
    if (!is_graph_id(post_id))
      return made_but_unreadable("Facebook published the photo without giving its post's id.");
    return PostRef{post_id, public_url(post_id)};
  }
  // Several photos: uploaded unpublished, then attached to one feed post.
  std::vector<std::string> ids;
  for (const auto* m : photos) {
    auto photo = post_photo(*m, "", false);
    const std::string id = photo ? string_field(*photo, "id") : std::string();
    if (!photo || !is_graph_id(id)) {
      forget_photos(ids);
      return photo ? transient("Facebook took a photo without giving its id.") : photo.error();
    }
    ids.push_back(id);
  }
  std::vector<std::pair<std::string, std::string>> form;
  if (!text.empty())
    form.emplace_back("message", text);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    form.emplace_back(fmt::format("attached_media[{}]", i),
                      json::serialize(json::object{{"media_fbid", ids[i]}}));
  }
  http::Request r;
  r.method = "POST";
  r.url = "/" + options_.page_id + "/feed";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = form_urlencoded(form);
  auto post = success_object(call(r), true);
  if (!post) {
    if (!post.error().outcome_unknown)
      forget_photos(ids);
    return post.error();
  }
  const std::string id = string_field(*post, "id");
  if (!is_graph_id(id))
    return made_but_unreadable("Facebook published the photos without giving the post's id.");
  return PostRef{id, public_url(id)};
}

Result<PostRef> FacebookPublisher::publish_video(const MediaFile& video, const Post& post,
                                                 const std::string& text) {
  std::vector<http::FormField> fields;
  if (!text.empty())
    fields.push_back({"description", text, {}, "", ""});
  if (!post.title.empty())
    fields.push_back({"title", post.title, {}, "", ""});
  fields.push_back({"source", "", video.path, video.path.filename().string(), video.content_type});
  const auto form = http::multipart_form(fields);
  http::Request r;
  r.method = "POST";
  r.url = "/" + options_.page_id + "/videos";
  r.headers = {{"Content-Type", form.content_type}};
  r.parts = form.parts;
  auto made = success_object(call(r, Host::video), true);
  if (!made)
    return made.error();
  const std::string id = string_field(*made, "id");
  if (!is_graph_id(id))
    return made_but_unreadable("Facebook took the video without giving its id.");
  return PostRef{id, public_url(id)};
}

Result<PostRef> FacebookPublisher::create(const Post& post) {
  if (auto ok = usable(); !ok)
    return ok.error();
  auto media = split_media(post.media);
  if (!media)
    return media.error();
  const std::string text = http::compose_text(post);
  if (!media->videos.empty())
    return publish_video(*media->videos.front(), post, text);
  if (!media->photos.empty())
    return publish_photos(media->photos, text);
  if (text.empty())
    return invalid_input("The post has neither text nor media.");
  return publish_text(text);
}

Result<void> FacebookPublisher::remove(const PostRef& ref) {
  if (auto ok = usable(); !ok)
    return ok.error();
  if (!is_graph_id(ref.id))
    return invalid_input("A Facebook post id is digits, or two numbers joined by '_'.");
  http::Request r;
  r.method = "DELETE";
  r.url = "/" + ref.id;
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200)
    return is_missing_object(*answer) ? Result<void>() : Result<void>(refused(*answer));
  auto done = success_object(answer);
  if (!done)
    return done.error();
  const auto* success = done->if_contains("success");
  if (!success || !success->is_bool() || !success->as_bool())
    return transient(fmt::format("Facebook did not say it deleted post {}.", ref.id));
  return {};
}

Result<std::optional<PostRef>> FacebookPublisher::find(const Post& post) {
  if (auto ok = usable(); !ok)
    return ok.error();
  const std::string text = http::compose_text(post);
  if (http::same_text(text, ""))
    return std::optional<PostRef>();
  // A video is its own object (create returns its id): look among the videos, by description.
  const bool video = std::any_of(post.media.begin(), post.media.end(), [](const MediaFile& m) {
    return m.content_type.starts_with("video/");
  });
  const std::string path = video ? "/" + options_.page_id +
                                       "/videos?fields=id,description,permalink_url,created_time"
                                       "&limit=25"
                                 : "/" + options_.page_id +
                                       "/feed?fields=id,message,created_time,permalink_url"
                                       "&limit=25";
  auto list = get_object(path);
  if (!list)
    return list.error();
  const auto* data = list->if_contains("data");
  if (!data || !data->is_array())
    return transient("Facebook answered the list of the Page's posts without a data list.");
  for (const auto& v : data->as_array()) {
    if (!v.is_object())
      continue;
    const auto& item = v.as_object();
    const std::string id = string_field(item, "id");
    if (is_graph_id(id) &&
        http::same_text(string_field(item, video ? "description" : "message"), text) &&
        http::made_in_time(post, http::network_time(string_field(item, "created_time")))) {
      return std::optional<PostRef>(
          PostRef{id, absolute_url(string_field(item, "permalink_url"), id)});
    }
  }
  return std::optional<PostRef>();
}

Result<std::string> FacebookPublisher::check() {
  if (auto ok = usable(); !ok)
    return ok.error();
  auto page = get_object("/" + options_.page_id + "?fields=id,name");
  if (!page)
    return page.error();
  // A Page access token speaks as its Page: /me is that Page. A user's token would read the
  // Page too, but could not post as it.
  auto me = get_object("/me?fields=id,name");
  if (!me)
    return me.error();
  if (string_field(*me, "id") != options_.page_id) {
    return permanent(fmt::format(
        "The token in access_token_file is not the Page access token of '{}' (id {}): it "
        "speaks for '{}' (id {}). Generate a Page access token for that Page and put it in "
        "access_token_file.",
        string_field(*page, "name"), options_.page_id, string_field(*me, "name"),
        string_field(*me, "id")));
  }
  return fmt::format("posts as Page '{}' (id {})", string_field(*page, "name"),
                     string_field(*page, "id"));
}

}  // namespace relais::connectors::facebook
