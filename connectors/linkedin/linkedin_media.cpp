// Photos and videos of a LinkedIn post: registered with the Images or Videos API, their bytes
// PUT to the upload URLs LinkedIn hands out, then waited for until LinkedIn says AVAILABLE.
// A photo is streamed from disk whole; a video is sent in the byte ranges LinkedIn asks for
// (4 MiB each, read one at a time), and each part's ETag is handed back on finalizeUpload.
#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <thread>

#include "connectors/linkedin/linkedin_api.hpp"
#include "connectors/linkedin/linkedin_publisher.hpp"

namespace relais::connectors::linkedin {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string host_of(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  return parsed ? lower(parsed->encoded_host()) : std::string();
}

// The token goes only where LinkedIn's own servers are: its domain, or the API's host (the
// tests' fake server).
bool may_carry_token(std::string_view upload_url, std::string_view base_url) {
  const std::string host = host_of(upload_url);
  return !host.empty() &&
         (host == "linkedin.com" || host.ends_with(".linkedin.com") || host == host_of(base_url));
}

// value.<key> of an action's answer ({"value": {...}}), or nullptr.
const json::object* value_of(const json::object& body) {
  const auto* v = body.if_contains("value");
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::optional<std::int64_t> integer_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v)
    return std::nullopt;
  boost::system::error_code ec;
  const auto n = v->to_number<std::int64_t>(ec);
  if (ec)
    return std::nullopt;
  return n;
}

struct Range {
  std::string url;
  std::int64_t first = 0;
  std::int64_t last = 0;
};

// The upload instructions, checked to cover the file from its first byte to its last, in order.
std::optional<std::vector<Range>> ranges_of(const json::object& value, std::int64_t size) {
  const auto* list = value.if_contains("uploadInstructions");
  if (!list || !list->is_array() || list->as_array().empty())
    return std::nullopt;
  std::vector<Range> ranges;
  std::int64_t next = 0;
  for (const auto& item : list->as_array()) {
    if (!item.is_object())
      return std::nullopt;
    const auto first = integer_field(item.as_object(), "firstByte");
    const auto last = integer_field(item.as_object(), "lastByte");
    std::string url = string_field(item.as_object(), "uploadUrl");
    if (!first || !last || url.empty() || *first != next || *last < *first || *last >= size)
      return std::nullopt;
    ranges.push_back({std::move(url), *first, *last});
    next = *last + 1;
  }
  if (next != size)
    return std::nullopt;
  return ranges;
}

Result<std::string> read_range(const fs::path& path, std::int64_t first, std::int64_t last) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(last - first + 1), '\0');
  in.seekg(first);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in)
    return invalid_input(
        fmt::format("Cannot read bytes {} to {} of {}.", first, last, path.string()));
  return bytes;
}

}  // namespace

Result<http::Response> LinkedInPublisher::action(const std::string& path, const json::object& body,
                                                 std::string_view what) {
  http::Request r;
  r.method = "POST";
  r.url = path;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = json::serialize(body);
  auto answer = call(r);
  if (!answer)
    return answer.error();
  if (answer->status != 200 && answer->status != 201)
    return error_of(*answer, context(what));
  return answer;
}

Result<std::string> LinkedInPublisher::upload_image(const MediaFile& media) {
  auto owner = organization();
  if (!owner)
    return owner.error();
  constexpr std::string_view kWhat = "the photo upload";
  auto answer = action("/rest/images?action=initializeUpload",
                       {{"initializeUploadRequest", {{"owner", *owner}}}}, kWhat);
  if (!answer)
    return answer.error();
  auto body = object_of(*answer, kWhat);
  if (!body)
    return body.error();
  const auto* value = value_of(*body);
  const std::string url = value ? string_field(*value, "uploadUrl") : std::string();
  const std::string urn = value ? string_field(*value, "image") : std::string();
  if (url.empty() || urn.empty())
    return transient("LinkedIn answered the photo upload without its uploadUrl and image.");

  http::Request put;
  put.method = "PUT";
  put.url = url;
  put.headers = {{"Content-Type", "application/octet-stream"}};
  if (may_carry_token(url, options_.base_url))
    put.headers.push_back({"Authorization", "Bearer " + options_.access_token});
  put.parts = {{{}, media.path}};
  auto sent = client_->send(put);
  if (!sent)
    return sent.error();
  if (sent->status != 200 && sent->status != 201)
    return upload_error_of(*sent, "the photo");
  if (auto ready = wait_available(Kind::image, urn); !ready)
    return ready.error();
  return urn;
}

Result<std::string> LinkedInPublisher::upload_video(const MediaFile& media) {
  auto owner = organization();
  if (!owner)
    return owner.error();
  std::error_code ec;
  const auto size = static_cast<std::int64_t>(fs::file_size(media.path, ec));
  if (ec || size == 0)
    return invalid_input(fmt::format("Cannot read the video {}.", media.path.string()));
  constexpr std::string_view kWhat = "the video upload";
  auto answer = action("/rest/videos?action=initializeUpload",
                       {{"initializeUploadRequest",
                         {{"owner", *owner},
                          {"fileSizeBytes", size},
                          {"uploadCaptions", false},
                          {"uploadThumbnail", false}}}},
                       kWhat);
  if (!answer)
    return answer.error();
  auto body = object_of(*answer, kWhat);
  if (!body)
    return body.error();
  const auto* value = value_of(*body);
  const std::string urn = value ? string_field(*value, "video") : std::string();
  const auto ranges = value ? ranges_of(*value, size) : std::nullopt;
  if (urn.empty() || !ranges)
    return transient(
        "LinkedIn answered the video upload without a video and upload instructions "
        "covering the whole file.");

  json::array part_ids;
  for (std::size_t i = 0; i < ranges->size(); ++i) {
    const Range& range = (*ranges)[i];
    http::Request put;
    put.method = "PUT";
    put.url = range.url;
    put.headers = {{"Content-Type", "application/octet-stream"}};
    if (range.first == 0 && range.last == size - 1) {
      put.parts = {{{}, media.path}};
    } else {
      auto bytes = read_range(media.path, range.first, range.last);
      if (!bytes)
        return bytes.error();
      put.body = std::move(*bytes);
    }
    auto sent = client_->send(put);
    if (!sent)
      return sent.error();
    const std::string part = fmt::format("part {} of {} of the video", i + 1, ranges->size());
    if (sent->status != 200 && sent->status != 201)
      return upload_error_of(*sent, part);
    const std::string etag = sent->header("ETag");
    if (etag.empty())
      return transient(fmt::format("LinkedIn's upload server took {} without its ETag.", part));
    part_ids.emplace_back(etag);
  }
  auto finalized = action("/rest/videos?action=finalizeUpload",
                          {{"finalizeUploadRequest",
                            {{"video", urn},
                             {"uploadToken", string_field(*value, "uploadToken")},
                             {"uploadedPartIds", std::move(part_ids)}}}},
                          "the end of the video upload");
  if (!finalized)
    return finalized.error();
  if (auto ready = wait_available(Kind::video, urn); !ready)
    return ready.error();
  return urn;
}

Result<void> LinkedInPublisher::wait_available(Kind kind, const std::string& urn) {
  const std::string_view noun = kind == Kind::image ? "photo" : "video";
  const std::string what = fmt::format("the state of the uploaded {}", noun);
  const int attempts = std::max(1, options_.poll_attempts);
  for (int i = 0; i < attempts; ++i) {
    if (i > 0)
      std::this_thread::sleep_for(options_.poll_interval);
    http::Request r;
    r.url = (kind == Kind::image ? "/rest/images/" : "/rest/videos/") + percent_encode(urn);
    auto answer = call(r);
    if (!answer)
      return answer.error();
    if (answer->status != 200)
      return error_of(*answer, context(what));
    auto body = object_of(*answer, what);
    if (!body)
      return body.error();
    const std::string status = string_field(*body, "status");
    if (status == "AVAILABLE")
      return {};
    if (status == "PROCESSING_FAILED") {
      std::string reason = string_field(*body, "processingFailureReason");
      return permanent(fmt::format("LinkedIn could not process the {} ({}).", noun,
                                   reason.empty() ? status : reason));
    }
    if (status.empty())
      return transient(fmt::format("LinkedIn answered {} without it.", what));
  }
  return transient(
      fmt::format("LinkedIn was still processing the {} {} after {} checks.", noun, urn, attempts));
}

}  // namespace relais::connectors::linkedin
