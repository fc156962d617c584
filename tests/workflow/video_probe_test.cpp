// Video probing and posters on files made by the ffmpeg command line from its generated test
// pictures: sizes, rotation, codecs and containers, then hostile files (truncated, damaged, not a
// video, over the limits). Posters are compared with the frame ffmpeg itself extracts.
#include <doctest/doctest.h>

#include <unistd.h>
#include <vips/vips.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "workflow/image_pipeline.hpp"
#include "workflow/video_probe.hpp"

using namespace relais::workflow;
using relais::ErrorKind;

namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The test videos, each made on first use in a directory removed at exit.
class Videos {
 public:
  static Videos& get() {
    static Videos videos;
    return videos;
  }
  Videos(const Videos&) = delete;
  Videos& operator=(const Videos&) = delete;
  ~Videos() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  bool have_ffmpeg() const { return have_ffmpeg_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `ffmpeg <args> <dir>/<name>` once; REQUIREs that it worked.
  std::string make(const std::string& name, const std::string& args) {
    const std::string out = path(name);
    if (made_.emplace(name, true).second) {
      const std::string command = "ffmpeg -nostdin -v error -y " + args + " '" + out + "'";
      INFO(command);
      REQUIRE(std::system(command.c_str()) == 0);
    }
    return out;
  }

  // ffmpeg's own decoding of the frame at `seconds`, autorotated and scaled, as a PNG.
  std::string reference(const std::string& video, double seconds, int width, int height) {
    const std::string name = fs::path(video).stem().string() + "-" + std::to_string(seconds) + "-" +
                             std::to_string(width) + ".png";
    return read_file(make(name, "-ss " + std::to_string(seconds) + " -i '" + video +
                                    "' -frames:v 1 -vf scale=" + std::to_string(width) + ":" +
                                    std::to_string(height) + " -pix_fmt rgb24"));
  }

 private:
  Videos()
      : dir_(fs::temp_directory_path() / ("relais-video-test-" + std::to_string(::getpid()))),
        have_ffmpeg_(std::system("ffmpeg -version >/dev/null 2>&1") == 0) {
    fs::create_directories(dir_);
  }

  fs::path dir_;
  bool have_ffmpeg_ = false;
  std::map<std::string, bool> made_;
};

#define REQUIRE_FFMPEG()                                        \
  do {                                                          \
    if (!Videos::get().have_ffmpeg()) {                         \
      MESSAGE("ffmpeg is not installed: test videos not made"); \
      return;                                                   \
    }                                                           \
  } while (false)

// 1280 x 720, 3 s at 25 frames per second, a key frame every second; the hue turns once in the
// 3 s, so that frames a second apart differ everywhere.
std::string landscape() {
  return Videos::get().make("landscape.mp4",
                            "-f lavfi -i testsrc2=size=1280x720:rate=25 -t 3 "
                            "-vf hue=H=2*PI*t/3 -c:v libx264 -preset ultrafast -g 25 "
                            "-pix_fmt yuv420p");
}

// 640 x 360 as stored, with a display matrix turning it 90 degrees counterclockwise (a phone
// held upright): the mp4 muxer of ffmpeg 5.1 writes the "rotate" tag into the matrix when the
// stream is copied.
std::string portrait() {
  auto& v = Videos::get();
  const std::string stored = v.make("stored.mp4",
                                    "-f lavfi -i testsrc2=size=640x360:rate=30 -t 2 -c:v libx264 "
                                    "-preset ultrafast -g 30 -pix_fmt yuv420p");
  return v.make("portrait.mp4", "-i '" + stored + "' -c copy -metadata:s:v:0 rotate=90");
}

struct Pixels {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgb;
};

Pixels decode_rgb(std::string_view encoded) {
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(encoded.data(), encoded.size(), "", nullptr);
  REQUIRE(image != nullptr);
  Pixels p{image->Xsize, image->Ysize, {}};
  REQUIRE(image->Bands == 3);
  REQUIRE(image->BandFmt == VIPS_FORMAT_UCHAR);
  std::size_t size = 0;
  void* memory = vips_image_write_to_memory(image, &size);
  g_object_unref(image);
  REQUIRE(memory != nullptr);
  p.rgb.assign(static_cast<unsigned char*>(memory), static_cast<unsigned char*>(memory) + size);
  g_free(memory);
  return p;
}

// Mean absolute difference per channel, 0..255.
double difference(const Pixels& a, const Pixels& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  double sum = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i)
    sum += std::abs(static_cast<int>(a.rgb[i]) - static_cast<int>(b.rgb[i]));
  return sum / static_cast<double>(a.rgb.size());
}

Pixels rotated_180(const Pixels& p) {
  Pixels r = p;
  const std::size_t count = static_cast<std::size_t>(p.width) * p.height;
  for (std::size_t i = 0; i < count; ++i)
    for (int c = 0; c < 3; ++c)
      r.rgb[3 * (count - 1 - i) + c] = p.rgb[3 * i + c];
  return r;
}

void check_jpeg(const std::string& jpeg, int width, int height) {
  REQUIRE(jpeg.size() > 2);
  CHECK(static_cast<unsigned char>(jpeg[0]) == 0xFF);
  CHECK(static_cast<unsigned char>(jpeg[1]) == 0xD8);
  const auto info = probe_image(jpeg, ImageLimits{});
  REQUIRE(info.ok());
  CHECK(info->format == "jpeg");
  CHECK(info->width == width);
  CHECK(info->height == height);
}

}  // namespace

TEST_CASE("video probe: a landscape H.264 mp4") {
  REQUIRE_FFMPEG();
  const auto file = landscape();
  const auto info = probe_video(file);
  REQUIRE(info.ok());
  CHECK(info->container == "mp4");
  CHECK(info->video_codec == "h264");
  CHECK(info->audio_codec.empty());
  CHECK(info->width == 1280);
  CHECK(info->height == 720);
  CHECK(info->duration_seconds == doctest::Approx(3.0).epsilon(0.02));
  CHECK(info->frame_rate == doctest::Approx(25.0));
  CHECK(info->bytes == static_cast<std::int64_t>(fs::file_size(file)));
}

TEST_CASE("video probe: a phone video with a rotation matrix reports its upright size") {
  REQUIRE_FFMPEG();
  const auto info = probe_video(portrait());
  REQUIRE(info.ok());
  CHECK(info->width == 360);
  CHECK(info->height == 640);
  CHECK(info->frame_rate == doctest::Approx(30.0));
  CHECK(info->duration_seconds == doctest::Approx(2.0).epsilon(0.02));
}

TEST_CASE("video probe: audio streams, containers and codecs") {
  REQUIRE_FFMPEG();
  auto& v = Videos::get();
  const std::string sources =
      "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440 -t 1 ";

  const auto mp4 = probe_video(v.make("audio.mp4", sources + "-c:v libx264 -preset ultrafast "
                                                             "-pix_fmt yuv420p -c:a aac"));
  REQUIRE(mp4.ok());
  CHECK(mp4->container == "mp4");
  CHECK(mp4->video_codec == "h264");
  CHECK(mp4->audio_codec == "aac");
  CHECK(mp4->width == 320);
  CHECK(mp4->height == 240);

  const auto webm = probe_video(v.make(
      "audio.webm", sources + "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus"));
  REQUIRE(webm.ok());
  CHECK(webm->container == "webm");
  CHECK(webm->video_codec == "vp9");
  CHECK(webm->audio_codec == "opus");
  CHECK(webm->duration_seconds == doctest::Approx(1.0).epsilon(0.05));

  const auto mov = probe_video(v.make("video.mov", sources + "-c:v mpeg4 -c:a pcm_s16le"));
  REQUIRE(mov.ok());
  CHECK(mov->container == "mov");
  CHECK(mov->video_codec == "mpeg4");
  CHECK(mov->audio_codec == "pcm_s16le");

  const auto mkv =
      probe_video(v.make("video.mkv", sources + "-c:v libx264 -preset ultrafast -c:a libopus"));
  REQUIRE(mkv.ok());
  CHECK(mkv->container == "matroska");
}

TEST_CASE("video probe: sound alone, text, a missing file and an empty one are refused") {
  REQUIRE_FFMPEG();
  auto& v = Videos::get();

  const auto sound = probe_video(v.make("sound.m4a", "-f lavfi -i sine=frequency=440 -t 1"));
  REQUIRE_FALSE(sound.ok());
  CHECK(sound.error().kind == ErrorKind::invalid_input);
  CHECK(sound.error().message == "the file has no video stream");

  const std::string text = v.path("notes.mp4");
  write_file(text, "These are not moving pictures, only a few lines of text.\n");
  const auto t = probe_video(text);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == ErrorKind::invalid_input);
  CHECK_FALSE(video_poster(text, 320).ok());

  const auto missing = probe_video(v.path("missing.mp4"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::permanent);
  CHECK(video_poster(v.path("missing.mp4"), 320).error().kind == ErrorKind::permanent);

  const std::string empty = v.path("empty.mp4");
  write_file(empty, "");
  const auto e = probe_video(empty);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().kind == ErrorKind::invalid_input);
  CHECK(e.error().message == "the file is empty");

  // A playlist would make the library read the files it names: its demuxer is not allowed.
  const std::string playlist = v.path("list.mp4");
  write_file(playlist,
             "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\n" + landscape() + "\n#EXT-X-ENDLIST\n");
  const auto p = probe_video(playlist);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("video probe: a truncated mp4 fails cleanly or reports its header") {
  REQUIRE_FFMPEG();
  auto& v = Videos::get();

  // ffmpeg writes the index (moov) after the media: the first half of the file has none.
  const std::string whole = read_file(landscape());
  const std::string half = v.path("half.mp4");
  write_file(half, std::string_view(whole).substr(0, whole.size() / 2));
  const auto h = probe_video(half);
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().kind == ErrorKind::invalid_input);
  CHECK(video_poster(half, 320).error().kind == ErrorKind::invalid_input);

  // With the index first, the header is whole and describes media that is partly missing.
  const std::string fast =
      read_file(v.make("faststart.mp4", "-i '" + landscape() + "' -c copy -movflags +faststart"));
  for (std::size_t cut : {fast.size() / 2, fast.size() / 20, std::size_t{64}}) {
    CAPTURE(cut);
    const std::string part = v.path("part.mp4");
    write_file(part, std::string_view(fast).substr(0, cut));
    const auto info = probe_video(part);
    if (info.ok()) {
      CHECK(info->width == 1280);
      CHECK(info->height == 720);
      CHECK(info->bytes == static_cast<std::int64_t>(cut));
    } else {
      CHECK(info.error().kind == ErrorKind::invalid_input);
    }
    const auto poster = video_poster(part, 320);
    if (poster.ok())
      check_jpeg(*poster, 320, 180);
    else
      CHECK(poster.error().kind == ErrorKind::invalid_input);
  }
}

TEST_CASE("video probe: damaged media bytes never crash the decoder") {
  REQUIRE_FFMPEG();
  auto& v = Videos::get();
  std::string bytes = read_file(
      v.make("damaged-source.mp4", "-i '" + landscape() + "' -c copy -movflags +faststart"));
  // The index (the first few kilobytes) is kept; every 499th byte of the media is overwritten.
  for (std::size_t i = 8192; i < bytes.size(); i += 499)
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
  const std::string damaged = v.path("damaged.mp4");
  write_file(damaged, bytes);
  const auto info = probe_video(damaged);
  if (!info.ok())
    CHECK(info.error().kind == ErrorKind::invalid_input);
  const auto poster = video_poster(damaged, 200);
  if (poster.ok())
    check_jpeg(*poster, 200, 113);
  else
    CHECK(poster.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("video probe: sizes over 8192 pixels and durations over 4 hours are refused") {
  REQUIRE_FFMPEG();
  auto& v = Videos::get();
  const auto wide =
      probe_video(v.make("wide.mp4",
                         "-f lavfi -i color=size=8200x16:rate=25 -frames:v 1 -c:v libx264 "
                         "-preset ultrafast"));
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.error().kind == ErrorKind::invalid_input);
  CHECK(wide.error().message == "the video is 8200 x 16 pixels, more than 8192 on a side");

  // Three frames of 9000 s each: 7.5 hours in a file of a few hundred bytes.
  const auto file = v.make("long.mp4",
                           "-f lavfi -i color=size=64x64:rate=1/9000 -frames:v 3 -c:v libx264 "
                           "-preset ultrafast");
  const auto long_one = probe_video(file);
  REQUIRE_FALSE(long_one.ok());
  CHECK(long_one.error().kind == ErrorKind::invalid_input);
  CHECK(long_one.error().message == "the video lasts 450 minutes, more than the 240 allowed");
  CHECK_FALSE(video_poster(file, 320).ok());
}

TEST_CASE("video probe: the poster is the key frame at 1 s, as a small JPEG") {
  REQUIRE_FFMPEG();
  const auto file = landscape();
  const auto poster = video_poster(file, 320);
  REQUIRE(poster.ok());
  check_jpeg(*poster, 320, 180);
  CHECK(poster->find("Exif") == std::string::npos);

  auto& v = Videos::get();
  const Pixels ours = decode_rgb(*poster);
  // Scaling and JPEG leave a few levels of difference; another frame, over a hundred.
  const double at_0s = difference(ours, decode_rgb(v.reference(file, 0.0, 320, 180)));
  const double at_1s = difference(ours, decode_rgb(v.reference(file, 1.0, 320, 180)));
  const double at_2s = difference(ours, decode_rgb(v.reference(file, 2.0, 320, 180)));
  CAPTURE(at_0s);
  CAPTURE(at_1s);
  CAPTURE(at_2s);
  CHECK(at_1s < 8);
  CHECK(at_0s > 50);
  CHECK(at_2s > 50);

  // Never enlarged.
  const auto large = video_poster(file, 4000);
  REQUIRE(large.ok());
  check_jpeg(*large, 1280, 720);

  const auto zero = video_poster(file, 0);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("video probe: the poster of a phone video is upright") {
  REQUIRE_FFMPEG();
  const auto file = portrait();
  const auto poster = video_poster(file, 320);
  REQUIRE(poster.ok());
  check_jpeg(*poster, 180, 320);

  const Pixels ours = decode_rgb(*poster);
  const Pixels reference = decode_rgb(Videos::get().reference(file, 1.0, 180, 320));
  const double upright = difference(ours, reference);
  const double upside_down = difference(rotated_180(ours), reference);
  CAPTURE(upright);
  CAPTURE(upside_down);
  CHECK(upright < 8);
  CHECK(upside_down > 50);
}

TEST_CASE("video probe: a one-second clip with a single key frame still has a poster") {
  REQUIRE_FFMPEG();
  // Half the duration is 0.5 s; the only key frame is at 0.
  const auto file =
      Videos::get().make("short.webm",
                         "-f lavfi -i testsrc2=size=640x480:rate=25 -t 1 -c:v libvpx-vp9 -deadline "
                         "realtime -cpu-used 8 -g 1000");
  const auto poster = video_poster(file, 100);
  REQUIRE(poster.ok());
  check_jpeg(*poster, 100, 75);
}

TEST_CASE("video probe: concurrent calls") {
  REQUIRE_FFMPEG();
  const std::vector<std::string> files{landscape(), portrait()};
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const auto& file = files[(t + i) % 2];
        good[t] += probe_video(file).ok() && video_poster(file, 64).ok();
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(good == std::vector<int>{3, 3, 3, 3});
}
