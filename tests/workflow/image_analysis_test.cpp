// The measures behind the image checks, on real photos that Debian's opencv-doc installs and on
// copies the test makes of them: sharp vs blurred (this is where checks.blur_threshold's default
// of 30 comes from), small vs large, dark vs normal, with vs without faces, HEIC, a
// decompression bomb and a truncated JPEG.
#include <doctest/doctest.h>

#include <vips/vips.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "workflow/checks.hpp"
#include "workflow/image_analysis.hpp"

using namespace relais::workflow;

namespace {

const std::string samples = "/usr/share/doc/opencv-doc/examples/data/";
const std::string html = "/usr/share/doc/opencv-doc/opencv4/html/";
constexpr double kThreshold = 30;  // CheckPolicy's and the configuration's default

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// `bytes` changed by `op` (a libvips operation on the decoded picture) and saved as JPEG.
template <class Op>
std::string transformed(const std::string& bytes, Op op) {
  init_image_library();
  VipsImage* in = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  REQUIRE(in);
  VipsImage* out = nullptr;
  REQUIRE(op(in, &out) == 0);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_jpegsave_buffer(out, &buf, &size, "Q", 90, nullptr) == 0);
  std::string jpeg(static_cast<const char*>(buf), size);
  g_free(buf);
  g_object_unref(out);
  g_object_unref(in);
  return jpeg;
}

std::string blurred(const std::string& bytes, double sigma) {
  return transformed(bytes, [sigma](VipsImage* in, VipsImage** out) {
    return vips_gaussblur(in, out, sigma, nullptr);
  });
}

std::string darkened(const std::string& bytes, double factor) {
  return transformed(bytes, [factor](VipsImage* in, VipsImage** out) {
    return vips_linear1(in, out, factor, 0.0, "uchar", TRUE, nullptr);
  });
}

FaceDetector detector() {
  auto d = FaceDetector::open(FaceDetector::kDefaultCascade);
  REQUIRE_MESSAGE(d.ok(), "opencv-data's cascades are needed: apt-get install opencv-data");
  return *d;
}

ImageAnalysis analyse(const std::string& bytes, const FaceDetector* faces = nullptr) {
  auto a = analyse_image(bytes, ImageLimits{}, AnalysisOptions{faces, 0});
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  return *a;
}

}  // namespace

TEST_CASE("image analysis: sharp photos pass the blur threshold, blurred copies do not") {
  for (const char* name : {"building.jpg", "fruits.jpg", "home.jpg", "baboon.jpg", "aero1.jpg",
                           "starry_night.jpg", "left01.jpg", "squirrel_cls.jpg", "graf1.png",
                           "board.jpg", "orange.jpg", "chicky_512.png"}) {
    CAPTURE(name);
    const auto bytes = read_file(samples + name);
    REQUIRE(!bytes.empty());
    const auto sharp = analyse(bytes);
    const auto soft = analyse(blurred(bytes, 3.0));
    CHECK(sharp.sharpness > kThreshold);
    CHECK(soft.sharpness < kThreshold);
    CHECK(soft.sharpness < sharp.sharpness / 4);
  }
  // Photos that are out of focus or shaken as taken, not made so by the test.
  for (const char* name : {"text_defocus.jpg", "licenseplate_motion.jpg"}) {
    CAPTURE(name);
    CHECK(analyse(read_file(samples + name)).sharpness < kThreshold);
  }
}

TEST_CASE("image analysis: the size is the upright size of the whole photo") {
  const auto bytes = read_file(samples + "building.jpg");
  const auto small = analyse(bytes);
  CHECK(small.width == 868);
  CHECK(small.height == 600);
  const auto large = analyse(transformed(
      bytes, [](VipsImage* in, VipsImage** out) { return vips_resize(in, out, 2.0, nullptr); }));
  CHECK(large.width == 1736);
  CHECK(large.height == 1200);
  CHECK(large.format == "jpeg");
  CHECK(large.bytes > 0);
  // Turned a quarter by its EXIF orientation: the portrait size is reported.
  const auto turned = transformed(bytes, [](VipsImage* in, VipsImage** out) {
    if (vips_copy(in, out, nullptr) != 0)
      return -1;
    vips_image_set_int(*out, "orientation", 6);
    return 0;
  });
  const auto upright = analyse(turned);
  CHECK(upright.width == 600);
  CHECK(upright.height == 868);
}

TEST_CASE("image analysis: far too dark and far too bright photos") {
  const auto bytes = read_file(samples + "building.jpg");
  CheckInput in;
  in.text = "Inauguration de la médiathèque samedi à 10 h.";
  in.author = "Marie Curie";
  auto findings_for = [&](const std::string& photo) {
    in.media = {{"p.jpg", "image/jpeg", 1, "", analyse(photo)}};
    in.media[0].image->width = 4000;  // the exposure alone is under test
    in.media[0].image->height = 3000;
    in.media[0].image->sharpness = 500;
    return run_checks(in);
  };
  auto codes = [](const std::vector<Finding>& f) {
    std::string out;
    for (const auto& x : f)
      out += x.code + " ";
    return out;
  };
  CHECK(codes(findings_for(bytes)) == "");
  CHECK(codes(findings_for(darkened(bytes, 0.12))) == "image.too_dark ");
  const auto bright = transformed(bytes, [](VipsImage* in, VipsImage** out) {
    return vips_linear1(in, out, 0.25, 200.0, "uchar", TRUE, nullptr);
  });
  CHECK(codes(findings_for(bright)) == "image.too_bright ");
  CHECK(codes(findings_for(darkened(bytes, 0.6))) == "");  // dim, not unusable
}

TEST_CASE("image analysis: faces are counted on photos of people, none on others") {
  const auto faces = detector();
  for (const char* name : {"227943776_1.jpg", "230501201_1.jpg"}) {
    CAPTURE(name);
    const auto bytes = read_file(html + name);
    if (bytes.empty()) {
      MESSAGE("opencv-doc's tutorial photo is missing: skipped");
      continue;
    }
    CHECK(analyse(bytes, &faces).faces >= 1);
  }
  for (const char* name : {"building.jpg", "fruits.jpg", "home.jpg", "aero1.jpg", "baboon.jpg"}) {
    CAPTURE(name);
    CHECK(analyse(read_file(samples + name), &faces).faces == 0);
  }
  CHECK(analyse(read_file(samples + "home.jpg")).faces == -1);  // no detector: not measured
}

TEST_CASE("image analysis: HEIC as iPhones send it") {
  const auto dir = std::filesystem::temp_directory_path() / "relais-heic-test";
  std::filesystem::create_directories(dir);
  const auto jpeg = (dir / "in.jpg").string();
  const auto heic = (dir / "out.heic").string();
  std::filesystem::copy_file(samples + "building.jpg", jpeg,
                             std::filesystem::copy_options::overwrite_existing);
  const std::string command = "heif-enc -q 80 -o '" + heic + "' '" + jpeg + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) {
    MESSAGE("heif-enc (libheif-examples) is missing: skipped");
    return;
  }
  const auto a = analyse(read_file(heic), nullptr);
  CHECK(a.format == "heif");
  CHECK(a.width == 868);
  CHECK(a.height == 600);
  CHECK(a.sharpness > kThreshold);
  std::filesystem::remove_all(dir);
}

TEST_CASE("image analysis: hostile files are refused with a sentence") {
  const auto bytes = read_file(samples + "building.jpg");
  auto truncated = analyse_image(bytes.substr(0, bytes.size() / 2), {}, {});
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().kind == relais::ErrorKind::invalid_input);

  auto text = analyse_image("just some text", {}, {});
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().kind == relais::ErrorKind::invalid_input);

  // 100,000 x 100,000 declared in a tiny PNG: refused from the header, nothing decoded.
  init_image_library();
  VipsImage* black = nullptr;
  REQUIRE(vips_black(&black, 1, 1, nullptr) == 0);
  VipsImage* grey = nullptr;
  REQUIRE(vips_cast(black, &grey, VIPS_FORMAT_UCHAR, nullptr) == 0);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_pngsave_buffer(grey, &buf, &size, nullptr) == 0);
  std::string png(static_cast<const char*>(buf), size);
  g_free(buf);
  g_object_unref(grey);
  g_object_unref(black);
  auto put = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      png[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
  };
  put(16, 100000);
  put(20, 100000);
  std::uint32_t crc = 0xFFFFFFFFu;  // the IHDR's CRC, so that the header reads as valid
  for (unsigned char b : std::string_view(png).substr(12, 17)) {
    crc ^= b;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  put(29, ~crc);
  auto bomb = analyse_image(png, {}, {});
  REQUIRE_FALSE(bomb.ok());
  CHECK(bomb.error().message.find("100000 x 100000") != std::string::npos);
}
