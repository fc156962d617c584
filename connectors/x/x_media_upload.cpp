// XPublisher's media: the chunked upload (initialize, append, finalize), the wait for X to
// process a video (STATUS), and the alternative text of a photo (metadata). A chunk is read
// into memory (chunk_bytes at most); a file that fits in one chunk is streamed from disk.
#include <fmt/format.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "connectors/x/x_answer.hpp"
#include "connectors/x/x_media.hpp"
#include "connectors/x/x_publisher.hpp"

namespace relais::connectors::x {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMiB = 1024 * 1024;
constexpr std::size_t kMaxAltText = 1000;  // code points

bool success(const http::Response& r) {
  return r.status >= 200 && r.status < 300;
}

std::string name_of(const MediaFile& m) {
  return m.path.filename().string();
}

// The first `max` code points of `s` (UTF-8).
std::string first_code_points(const std::string& s, std::size_t max) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && count++ == max)
      return s.substr(0, i);
  }
  return s;
}

}  // namespace

std::optional<MediaKind> media_kind(std::string_view type) {
  if (type == "image/jpeg" || type == "image/png" || type == "image/webp")
    return MediaKind{"tweet_image", 5 * kMiB, false};
  if (type == "image/gif")
    return MediaKind{"tweet_gif", 15 * kMiB, true};
  if (type == "video/mp4" || type == "video/quicktime")
    return MediaKind{"tweet_video", 512 * kMiB, true};
  return std::nullopt;
}

Result<void> check_media(const std::vector<MediaFile>& media) {
  std::size_t photos = 0, alone = 0;
  for (const auto& m : media) {
    const auto kind = media_kind(m.content_type);
    if (!kind)
      return permanent(
          fmt::format("X does not take {} files ({}) on a post.", m.content_type, name_of(m)));
    std::error_code ec;
    const auto size = fs::file_size(m.path, ec);
    if (ec || size == 0)
      return invalid_input(
          fmt::format("The media file {} cannot be read or is empty.", name_of(m)));
    if (size > kind->max_bytes) {
      return permanent(fmt::format("{} weighs {:.1f} MB; X takes {} files up to {} MB.", name_of(m),
                                   static_cast<double>(size) / kMiB, m.content_type,
                                   kind->max_bytes / kMiB));
    }
    (kind->alone ? alone : photos) += 1;
  }
  if (photos > 4 || alone > 1 || (alone == 1 && photos > 0)) {
    return permanent(fmt::format(
        "X takes up to 4 photos, or one video or GIF alone, per post; this one has {} photos and "
        "{} videos or GIFs.",
        photos, alone));
  }
  return {};
}

Result<std::string> XPublisher::upload(const MediaFile& media) {
  const auto kind = media_kind(media.content_type);
  std::error_code ec;
  const auto size = fs::file_size(media.path, ec);
  if (!kind || ec)
    return invalid_input(fmt::format("The media file {} cannot be uploaded to X.", name_of(media)));
  const std::string what = "the upload of " + name_of(media);
  http::Request init;
  init.method = "POST";
  init.url = options_.upload_base_url + "/2/media/upload/initialize";
  init.headers = {{"Content-Type", "application/json"}};
  init.body = json::serialize(json::object{{"media_type", media.content_type},
                                           {"total_bytes", size},
                                           {"media_category", kind->category}});
  auto answer = call(init);
  if (!answer)
    return answer.error();
  if (!success(*answer))
    return x_error(*answer, what);
  auto data = x_data(*answer, what);
  if (!data)
    return data.error();
  const std::string id = string_field(*data, "id");
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    return transient(fmt::format("X began {} without giving the media's id.", what));
  if (auto sent = append(id, media, size); !sent)
    return sent.error();
  http::Request finalize;
  finalize.method = "POST";
  finalize.url = options_.upload_base_url + "/2/media/upload/" + id + "/finalize";
  answer = call(finalize);
  if (!answer)
    return answer.error();
  if (!success(*answer))
    return x_error(*answer, what);
  data = x_data(*answer, what);
  if (!data)
    return data.error();
  if (auto ready = wait_for_processing(id, *data, media); !ready)
    return ready.error();
  if (kind->category != "tweet_video" && !media.alt.empty()) {  // X describes photos and GIFs
    if (auto described = describe(id, media); !described)
      return described.error();
  }
  return id;
}

Result<void> XPublisher::append(const std::string& id, const MediaFile& media,
                                std::uintmax_t size) {
  const std::string what = "the upload of " + name_of(media);
  std::ifstream in;
  if (size > options_.chunk_bytes) {
    in.open(media.path, std::ios::binary);
    if (!in)
      return invalid_input(fmt::format("The media file {} cannot be read.", name_of(media)));
  }
  std::uintmax_t sent = 0;
  for (int segment = 0; sent < size; ++segment) {
    const auto length =
        static_cast<std::size_t>(std::min<std::uintmax_t>(options_.chunk_bytes, size - sent));
    auto form = http::multipart_form(
        {{"segment_index", std::to_string(segment), {}, "", ""},
         {"media", "", media.path, name_of(media), "application/octet-stream"}});
    if (length < size) {
      // A chunk: the file part of the form becomes these bytes.
      std::string chunk(length, '\0');
      if (!in.read(chunk.data(), static_cast<std::streamsize>(length)))
        return invalid_input(fmt::format("The media file {} cannot be read.", name_of(media)));
      for (auto& part : form.parts) {
        if (!part.file.empty())
          part = http::BodyPart{std::move(chunk), {}};
      }
    }
    http::Request r;
    r.method = "POST";
    r.url = options_.upload_base_url + "/2/media/upload/" + id + "/append";
    r.headers = {{"Content-Type", form.content_type}};
    r.parts = std::move(form.parts);
    auto answer = call(r);
    if (!answer)
      return answer.error();
    if (!success(*answer))
      return x_error(*answer, what);
    sent += length;
  }
  return {};
}

Result<void> XPublisher::wait_for_processing(const std::string& id, const json::object& finalized,
                                             const MediaFile& media) {
  json::object data = finalized;
  for (int attempt = 0;; ++attempt) {
    // No processing_info: the media may be attached now.
    const auto* info = data.if_contains("processing_info");
    if (!info || !info->is_object())
      return {};
    const std::string state = string_field(info->as_object(), "state");
    if (state == "succeeded")
      return {};
    if (state == "failed") {
      std::string said = "no reason given";
      if (const auto* e = info->as_object().if_contains("error"); e && e->is_object()) {
        if (auto m = string_field(e->as_object(), "message"); !m.empty())
          said = m;
      }
      return permanent(fmt::format("X could not process {} ({}).", name_of(media), said));
    }
    if (attempt == options_.poll_attempts) {
      return transient(fmt::format("X was still processing {} after {} checks.", name_of(media),
                                   options_.poll_attempts));
    }
    std::chrono::milliseconds wait{std::chrono::seconds(1)};
    if (const auto* after = info->as_object().if_contains("check_after_secs");
        after && after->is_int64() && after->as_int64() >= 0)
      wait = std::chrono::seconds(after->as_int64());
    std::this_thread::sleep_for(std::min(wait, options_.max_poll_wait));
    http::Request r;
    r.url = options_.upload_base_url + "/2/media/upload?command=STATUS&media_id=" + id;
    auto answer = call(r);
    if (!answer)
      return answer.error();
    const std::string what = "the processing of " + name_of(media);
    if (!success(*answer))
      return x_error(*answer, what);
    auto status = x_data(*answer, what);
    if (!status)
      return status.error();
    data = std::move(*status);
  }
}

Result<void> XPublisher::describe(const std::string& id, const MediaFile& media) {
  json::object body{
      {"id", id},
      {"metadata",
       json::object{
           {"alt_text", json::object{{"text", first_code_points(media.alt, kMaxAltText)}}}}}};
  http::Request r;
  r.method = "POST";
  r.url = options_.upload_base_url + "/2/media/metadata";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = json::serialize(body);
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (!success(*answer))
    return x_error(*answer, "the alternative text of " + name_of(media));
  return {};
}

}  // namespace relais::connectors::x
