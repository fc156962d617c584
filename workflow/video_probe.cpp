// See video_probe.hpp. libav's error codes and log lines are replaced by our sentences: its text
// can quote bytes of the file, and its stderr output would interleave with the daemon's log.
#include "workflow/video_probe.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "workflow/vips_image.hpp"

namespace relais::workflow {

namespace {

struct CloseInput {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct FreeCodec {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FreeFrame {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct FreePacket {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FreeScaler {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, CloseInput>;
using CodecPtr = std::unique_ptr<AVCodecContext, FreeCodec>;
using FramePtr = std::unique_ptr<AVFrame, FreeFrame>;
using PacketPtr = std::unique_ptr<AVPacket, FreePacket>;
using ScalerPtr = std::unique_ptr<SwsContext, FreeScaler>;

// Demuxers tried on a file. Leaving out the rest keeps away those that open other files (HLS
// and concat playlists), read a path as a pattern (image2) or take any bytes for text (tty).
constexpr const char* allowed_demuxers = "mov,mp4,matroska,webm,avi,mpegts,mpeg,flv,ogg,asf";

// A poster is searched for in this many packets of the file, of which this many of the video
// stream, per attempt: enough for a decoder's delay, bounded on a file whose packets never
// decode.
constexpr int max_packets_read = 5000;
constexpr int max_video_packets = 300;

// libav logs to stderr from every thread by default; the level is process-wide.
void silence_libav() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

// The file system and the allocator failing are no fault of the file: only libav's judgement of
// the bytes is invalid_input.
Error open_error(int code) {
  if (code == AVERROR(ENOMEM) || code == AVERROR(EMFILE) || code == AVERROR(ENFILE) ||
      code == AVERROR(EAGAIN) || code == AVERROR(EINTR))
    return transient("the video file could not be opened for lack of resources");
  if (code == AVERROR(ENOENT) || code == AVERROR(EACCES) || code == AVERROR(EPERM) ||
      code == AVERROR(EISDIR) || code == AVERROR(EIO))
    return permanent("the video file could not be read from the disk");
  return invalid_input(
      "the file is not a video in a supported format (MP4, MOV, WebM, Matroska, AVI, MPEG, FLV, "
      "Ogg or ASF) or is damaged");
}

// How the stored picture is turned upright: a clockwise rotation, then mirrorings. The cases are
// those the command line of ffmpeg 6 applies (autorotate), so posters match what it shows.
struct Turn {
  VipsAngle angle = VIPS_ANGLE_D0;
  bool mirror_horizontally = false;
  bool mirror_vertically = false;
  bool swaps_sides() const { return angle == VIPS_ANGLE_D90 || angle == VIPS_ANGLE_D270; }
};

Turn turn_of(const AVStream* stream) {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
  if (const AVPacketSideData* side = av_packet_side_data_get(stream->codecpar->coded_side_data,
                                                             stream->codecpar->nb_coded_side_data,
                                                             AV_PKT_DATA_DISPLAYMATRIX)) {
    data = side->data;
    size = side->size;
  }
#else
  data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
#endif
  if (data == nullptr || size < 9 * sizeof(std::int32_t))
    return {};
  std::array<std::int32_t, 9> m{};
  std::memcpy(m.data(), data, sizeof(m));  // side data carries no alignment promise
  // av_display_rotation_get is counterclockwise, NaN for a degenerate matrix (then ignored).
  double clockwise = -std::round(av_display_rotation_get(m.data()));
  clockwise -= 360 * std::floor(clockwise / 360 + 0.9 / 360);
  if (std::abs(clockwise - 90) < 1)
    return m[3] > 0 ? Turn{VIPS_ANGLE_D90, true, false} : Turn{VIPS_ANGLE_D90, false, false};
  if (std::abs(clockwise - 180) < 1)
    return Turn{VIPS_ANGLE_D0, m[0] < 0, m[4] < 0};
  if (std::abs(clockwise - 270) < 1)
    return m[3] < 0 ? Turn{VIPS_ANGLE_D90, false, true} : Turn{VIPS_ANGLE_D270, false, false};
  if (std::abs(clockwise) < 1)
    return Turn{VIPS_ANGLE_D0, false, m[4] < 0};
  return {};  // an angle that is not a right angle: shown as stored
}

struct Size {
  int width = 0;
  int height = 0;
};

// The displayed size of a stored picture: stretched (never squeezed) to square pixels, then
// turned. Computed in floating point so that an absurd aspect ratio is refused, not overflowed.
Result<Size> displayed_size(int width, int height, AVRational pixel_aspect, const Turn& turn) {
  if (width <= 0 || height <= 0)
    return invalid_input("the video's picture size could not be read");
  double w = width;
  double h = height;
  if (pixel_aspect.num > 0 && pixel_aspect.den > 0) {
    const double sar = av_q2d(pixel_aspect);
    if (sar >= 1)
      w *= sar;
    else
      h /= sar;
  }
  if (w > max_video_side || h > max_video_side)
    return invalid_input(fmt::format("the video is {:.0f} x {:.0f} pixels, more than {} on a side",
                                     w, h, max_video_side));
  Size size{static_cast<int>(std::lround(w)), static_cast<int>(std::lround(h))};
  if (turn.swaps_sides())
    std::swap(size.width, size.height);
  return size;
}

// libavformat names a demuxer by every format it reads ("mov,mp4,m4a,3gp,3g2,mj2"): the file's
// own brand tells them apart. Matroska does not expose its DocType, so a file holding only
// codecs WebM allows is called WebM.
std::string container_of(const AVFormatContext* format) {
  const std::string_view names = format->iformat->name;
  std::string first(names.substr(0, names.find(',')));
  if (first == "mov") {
    const AVDictionaryEntry* brand = av_dict_get(format->metadata, "major_brand", nullptr, 0);
    const std::string_view b = brand ? brand->value : "";
    if (b.starts_with("qt"))
      return "mov";
    if (b.starts_with("3g2"))
      return "3g2";
    if (b.starts_with("3g"))
      return "3gp";
    return "mp4";
  }
  if (first == "matroska") {
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      switch (format->streams[i]->codecpar->codec_id) {
        case AV_CODEC_ID_VP8:
        case AV_CODEC_ID_VP9:
        case AV_CODEC_ID_AV1:
        case AV_CODEC_ID_OPUS:
        case AV_CODEC_ID_VORBIS:
        case AV_CODEC_ID_WEBVTT:
          break;
        default:
          return "matroska";
      }
    }
    return "webm";
  }
  return first;
}

// The main video stream; cover art (a still picture attached to the file) is not one.
AVStream* video_stream(AVFormatContext* format) {
  const int best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  auto is_video = [](const AVStream* s) {
    return s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
           !(s->disposition & AV_DISPOSITION_ATTACHED_PIC);
  };
  if (best >= 0 && is_video(format->streams[best]))
    return format->streams[best];
  for (unsigned i = 0; i < format->nb_streams; ++i)
    if (is_video(format->streams[i]))
      return format->streams[i];
  return nullptr;
}

double seconds_of(const AVFormatContext* format, const AVStream* video) {
  if (format->duration != AV_NOPTS_VALUE && format->duration > 0)
    return static_cast<double>(format->duration) / AV_TIME_BASE;
  if (video->duration != AV_NOPTS_VALUE && video->duration > 0)
    return static_cast<double>(video->duration) * av_q2d(video->time_base);
  return 0;
}

double rate_of(const AVStream* video) {
  for (AVRational r : {video->avg_frame_rate, video->r_frame_rate})
    if (r.num > 0 && r.den > 0)
      return av_q2d(r);
  return 0;
}

struct Input {
  FormatPtr format;
  AVStream* video = nullptr;
  Turn turn;
  VideoInfo info;
};

Result<Input> open_video(const std::string& path) {
  silence_libav();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return permanent("the video file does not exist or is not a regular file");
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec)
    return permanent("the video file's size could not be read");
  if (bytes == 0)
    return invalid_input("the file is empty");

  // "file:" so that a path holding a colon is never read as another protocol's URL.
  const std::string url = "file:" + path;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  av_dict_set(&options, "format_whitelist", allowed_demuxers, 0);
  AVFormatContext* raw = nullptr;
  const int opened = avformat_open_input(&raw, url.c_str(), nullptr, &options);
  av_dict_free(&options);  // what the call did not consume
  if (opened < 0)
    return open_error(opened);
  Input in;
  in.format.reset(raw);
  const int found = avformat_find_stream_info(raw, nullptr);
  if (found == AVERROR(ENOMEM))
    return transient("out of memory reading the video");
  if (found < 0 || raw->nb_streams == 0)
    return invalid_input("the video's streams could not be read (damaged or truncated file)");
  in.video = video_stream(raw);
  if (in.video == nullptr)
    return invalid_input("the file has no video stream");
  const AVCodecParameters* par = in.video->codecpar;
  if (par->codec_id == AV_CODEC_ID_NONE)
    return invalid_input("the video's codec is not one the library knows");

  in.turn = turn_of(in.video);
  auto size = displayed_size(par->width, par->height,
                             av_guess_sample_aspect_ratio(raw, in.video, nullptr), in.turn);
  if (!size)
    return size.error();
  VideoInfo& info = in.info;
  info.container = container_of(raw);
  info.video_codec = avcodec_get_name(par->codec_id);
  const int audio = av_find_best_stream(raw, AVMEDIA_TYPE_AUDIO, -1, in.video->index, nullptr, 0);
  if (audio >= 0)
    info.audio_codec = avcodec_get_name(raw->streams[audio]->codecpar->codec_id);
  info.width = size->width;
  info.height = size->height;
  info.duration_seconds = seconds_of(raw, in.video);
  if (info.duration_seconds > max_video_seconds)
    return invalid_input(fmt::format("the video lasts {:.0f} minutes, more than the {:.0f} allowed",
                                     info.duration_seconds / 60, max_video_seconds / 60));
  info.frame_rate = rate_of(in.video);
  info.bytes = static_cast<std::int64_t>(bytes);
  return in;
}

Result<CodecPtr> open_decoder(const AVStream* video) {
  const AVCodec* codec = avcodec_find_decoder(video->codecpar->codec_id);
  if (codec == nullptr)
    return invalid_input(fmt::format("the video's codec ({}) cannot be decoded",
                                     avcodec_get_name(video->codecpar->codec_id)));
  CodecPtr decoder(avcodec_alloc_context3(codec));
  if (!decoder)
    return transient("out of memory decoding the video");
  if (avcodec_parameters_to_context(decoder.get(), video->codecpar) < 0)
    return invalid_input("the video's codec parameters are damaged");
  // One thread: the daemon's pool gives the parallelism, and a decoder's own threads would
  // multiply it. The pixel limit also holds for a stream that changes size after its header.
  decoder->thread_count = 1;
  decoder->max_pixels = static_cast<std::int64_t>(max_video_side) * max_video_side;
  decoder->pkt_timebase = video->time_base;
  if (const int opened = avcodec_open2(decoder.get(), codec, nullptr); opened < 0)
    return opened == AVERROR(ENOMEM)
               ? transient("out of memory decoding the video")
               : invalid_input(fmt::format("the video's codec ({}) could not be started",
                                           avcodec_get_name(video->codecpar->codec_id)));
  return decoder;
}

bool is_key(const AVFrame* frame) {
#ifdef AV_FRAME_FLAG_KEY
  return (frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
  return frame->key_frame != 0;
#endif
}

// The first key frame decoded from where the demuxer was put, at or after `target` when
// `at_or_after` (in the stream's time base); null when none came within the bounds.
FramePtr first_key_frame(AVFormatContext* format, const AVStream* video, AVCodecContext* decoder,
                         std::int64_t target, bool at_or_after) {
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame)
    return nullptr;
  int packets = 0;
  int video_packets = 0;
  bool draining = false;
  for (;;) {
    if (!draining) {
      if (av_read_frame(format, packet.get()) < 0) {
        draining = true;  // end of file or damage: the decoder still holds frames
        avcodec_send_packet(decoder, nullptr);
      } else {
        const bool ours = packet->stream_index == video->index;
        if (++packets > max_packets_read || (ours && ++video_packets > max_video_packets))
          return nullptr;
        // A damaged packet is skipped: the next key frame may still decode.
        if (ours)
          avcodec_send_packet(decoder, packet.get());
        av_packet_unref(packet.get());
      }
    }
    int received = 0;
    while ((received = avcodec_receive_frame(decoder, frame.get())) >= 0) {
      const std::int64_t ts = frame->best_effort_timestamp;
      if (is_key(frame.get()) && (!at_or_after || ts == AV_NOPTS_VALUE || ts >= target))
        return frame;
      av_frame_unref(frame.get());
    }
    if (draining)
      return nullptr;  // every frame out (AVERROR_EOF), or the decoder failing
  }
}

// The poster's picture: seek to the first key frame at or after the target, else back to the
// last one before it. The demuxer's index makes either seek land on a key frame directly.
Result<FramePtr> poster_frame(Input& in, const std::string& path) {
  auto decoder = open_decoder(in.video);
  if (!decoder)
    return decoder.error();
  AVFormatContext* format = in.format.get();
  const AVStream* video = in.video;
  const double offset = std::min(1.0, in.info.duration_seconds / 2);
  const std::int64_t start = video->start_time != AV_NOPTS_VALUE ? video->start_time : 0;
  std::int64_t target = 0;
  // A hostile time base or start time must not overflow the sum: then no seek is tried.
  const bool seekable = video->time_base.num > 0 && video->time_base.den > 0 &&
                        !__builtin_add_overflow(start,
                                                av_rescale_q(std::llround(offset * AV_TIME_BASE),
                                                             AV_TIME_BASE_Q, video->time_base),
                                                &target);
  if (seekable) {
    if (avformat_seek_file(format, video->index, target, target, INT64_MAX, 0) >= 0)
      if (auto frame = first_key_frame(format, video, decoder->get(), target, true))
        return frame;
    avcodec_flush_buffers(decoder->get());
    if (avformat_seek_file(format, video->index, INT64_MIN, target, target, 0) >= 0)
      if (auto frame = first_key_frame(format, video, decoder->get(), target, false))
        return frame;
  }
  // A file that cannot seek, or whose key frames near the target are missing (truncated): from
  // its beginning, opened again since a failed seek can leave the demuxer anywhere.
  auto reopened = open_video(path);
  if (!reopened)
    return reopened.error();
  auto fresh = open_decoder(reopened->video);
  if (!fresh)
    return fresh.error();
  if (auto frame = first_key_frame(reopened->format.get(), reopened->video, fresh->get(), 0, false))
    return frame;
  return invalid_input("no picture of the video could be decoded (damaged file)");
}

// The frame in 8-bit RGB, scaled to `size` as stored (before the turn).
Result<image_detail::ImagePtr> to_rgb(const AVFrame* frame, Size size) {
  const auto format = static_cast<AVPixelFormat>(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  if (desc == nullptr || frame->width <= 0 || frame->height <= 0)
    return invalid_input("the video's picture could not be decoded (damaged file)");
  ScalerPtr scaler(sws_getContext(frame->width, frame->height, format, size.width, size.height,
                                  AV_PIX_FMT_RGB24, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!scaler)
    return invalid_input("the video's picture could not be converted");
  if (desc->nb_components >= 3 && !(desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL))) {
    // The stream's own colour matrix and range (by default libswscale assumes BT.601 limited).
    const int full_range = frame->color_range == AVCOL_RANGE_JPEG ? 1 : 0;
    sws_setColorspaceDetails(scaler.get(), sws_getCoefficients(frame->colorspace), full_range,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
  }
  FramePtr rgb(av_frame_alloc());
  if (!rgb)
    return transient("out of memory converting the video's picture");
  rgb->format = AV_PIX_FMT_RGB24;
  rgb->width = size.width;
  rgb->height = size.height;
  if (av_frame_get_buffer(rgb.get(), 0) < 0)
    return transient("out of memory converting the video's picture");
  if (sws_scale(scaler.get(), frame->data, frame->linesize, 0, frame->height, rgb->data,
                rgb->linesize) != size.height)
    return invalid_input("the video's picture could not be converted");

  // libvips wants the rows packed; libav pads them.
  const std::size_t row = static_cast<std::size_t>(size.width) * 3;
  std::string packed(row * size.height, '\0');
  for (int y = 0; y < size.height; ++y)
    std::memcpy(packed.data() + row * y,
                rgb->data[0] + static_cast<std::ptrdiff_t>(y) * rgb->linesize[0], row);
  VipsImage* image = vips_image_new_from_memory_copy(packed.data(), packed.size(), size.width,
                                                     size.height, 3, VIPS_FORMAT_UCHAR);
  if (image == nullptr)
    return image_detail::decode_error("the video's picture could not be converted");
  return image_detail::ImagePtr(image);
}

Result<void> turn_upright(const Turn& turn, image_detail::ImagePtr& image) {
  VipsImage* out = nullptr;
  if (turn.angle != VIPS_ANGLE_D0) {
    if (vips_rot(image.get(), &out, turn.angle, nullptr) != 0)
      return image_detail::decode_error("the video's picture could not be turned upright");
    image.reset(out);
  }
  for (auto [wanted, direction] : {std::pair{turn.mirror_horizontally, VIPS_DIRECTION_HORIZONTAL},
                                   std::pair{turn.mirror_vertically, VIPS_DIRECTION_VERTICAL}}) {
    if (!wanted)
      continue;
    if (vips_flip(image.get(), &out, direction, nullptr) != 0)
      return image_detail::decode_error("the video's picture could not be turned upright");
    image.reset(out);
  }
  return {};
}

}  // namespace

Result<VideoInfo> probe_video(const std::string& path) {
  auto in = open_video(path);
  if (!in)
    return in.error();
  return std::move(in->info);
}

Result<std::string> video_poster(const std::string& path, int max_side) {
  if (max_side <= 0)
    return invalid_input("the poster size must be positive");
  if (!image_detail::start_library())
    return image_detail::not_started();
  auto in = open_video(path);
  if (!in)
    return in.error();
  auto frame = poster_frame(*in, path);
  if (!frame)
    return frame.error();
  const AVFrame* f = frame->get();
  auto shown = displayed_size(
      f->width, f->height, av_guess_sample_aspect_ratio(in->format.get(), in->video, frame->get()),
      in->turn);
  if (!shown)
    return shown.error();
  const int longest = std::max(shown->width, shown->height);
  Size target = *shown;
  if (longest > max_side) {
    const double scale = static_cast<double>(max_side) / longest;
    target.width = std::max(1, static_cast<int>(std::lround(shown->width * scale)));
    target.height = std::max(1, static_cast<int>(std::lround(shown->height * scale)));
  }
  if (in->turn.swaps_sides())
    std::swap(target.width, target.height);
  auto image = to_rgb(f, target);
  if (!image)
    return image.error();
  frame->reset();
  in->format.reset();
  if (auto turned = turn_upright(in->turn, *image); !turned)
    return turned.error();
  return image_detail::encode_jpeg(image->get(), 85);
}

}  // namespace relais::workflow
