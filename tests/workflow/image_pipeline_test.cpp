// The image pipeline on hostile input: a decompression bomb refused from its header, bytes that
// are not an image, SVG and PDF (loaders blocked), a truncated JPEG, limits; then thumbnails.
#include <doctest/doctest.h>

#include <vips/vips.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "workflow/image_pipeline.hpp"

using namespace relais::workflow;
using relais::ErrorKind;

namespace {

const std::string photos = "/usr/share/doc/opencv-doc/examples/data/";

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

// A real 1 x 1 PNG from libvips whose IHDR (with a valid CRC) then claims width x height: the
// file is a few dozen bytes, decoding it would need width x height x 3 bytes.
std::string png_claiming(std::uint32_t width, std::uint32_t height) {
  init_image_library();
  VipsImage* black = nullptr;
  REQUIRE(vips_black(&black, 1, 1, "bands", 3, nullptr) == 0);
  VipsImage* rgb = nullptr;
  REQUIRE(vips_cast(black, &rgb, VIPS_FORMAT_UCHAR, nullptr) == 0);
  g_object_unref(black);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_pngsave_buffer(rgb, &buf, &size, nullptr) == 0);
  g_object_unref(rgb);
  std::string png(static_cast<const char*>(buf), size);
  g_free(buf);
  // 8-byte signature, then the IHDR chunk: length (4), "IHDR" (4), width, height, 5 more bytes,
  // CRC over type and data.
  REQUIRE(png.substr(12, 4) == "IHDR");
  put_be32(png, 16, width);
  put_be32(png, 20, height);
  put_be32(png, 29, crc32(std::string_view(png).substr(12, 17)));
  return png;
}

}  // namespace

TEST_CASE("a PNG whose header claims 50000 x 50000 pixels is refused before decoding") {
  const auto bomb = png_claiming(50000, 50000);
  CHECK(bomb.size() < 200);
  const auto probe = probe_image(bomb, ImageLimits{});
  REQUIRE_FALSE(probe.ok());
  CHECK(probe.error().kind == ErrorKind::invalid_input);
  CHECK(probe.error().message ==
        "the image is 50000 x 50000 pixels, more than the 100000000 allowed");
  for (const auto& r :
       {hash_image(bomb, ImageLimits{}).ok(), make_thumbnail(bomb, 320, ImageLimits{}).ok()})
    CHECK_FALSE(r);
  CHECK(hash_image(bomb, ImageLimits{}).error().message == probe.error().message);

  // The same header under the limit is read (its pixels are not there, so decoding fails).
  const auto small = png_claiming(5000, 4000);
  const auto info = probe_image(small, ImageLimits{});
  REQUIRE_MESSAGE(info.ok(), info.error().message);
  CHECK(info->width == 5000);
  CHECK(info->height == 4000);
  CHECK(info->format == "png");
  const auto h = hash_image(small, ImageLimits{});
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("the limits come from the caller") {
  const auto jpeg = read_file(photos + "baboon.jpg");
  REQUIRE(jpeg.size() > 1000);
  const auto few_pixels = probe_image(jpeg, ImageLimits{.max_pixels = 512 * 511});
  REQUIRE_FALSE(few_pixels.ok());
  CHECK(few_pixels.error().message ==
        "the image is 512 x 512 pixels, more than the 261632 allowed");
  const auto few_bytes = hash_image(jpeg, ImageLimits{.max_bytes = 1000});
  REQUIRE_FALSE(few_bytes.ok());
  CHECK(few_bytes.error().kind == ErrorKind::invalid_input);
  CHECK(few_bytes.error().message.find("more than the 1000 allowed") != std::string::npos);
}

TEST_CASE("the six formats are recognised from their bytes") {
  const auto info = probe_image(read_file(photos + "baboon.jpg"), ImageLimits{});
  REQUIRE(info.ok());
  CHECK(info->format == "jpeg");
  CHECK(info->width == 512);
  CHECK(probe_image(read_file(photos + "graf1.png"), ImageLimits{})->format == "png");

  init_image_library();
  VipsImage* image = nullptr;
  REQUIRE(vips_black(&image, 40, 30, "bands", 3, nullptr) == 0);
  for (const char* suffix : {".webp", ".gif", ".tif"}) {
    CAPTURE(suffix);
    void* buf = nullptr;
    std::size_t size = 0;
    REQUIRE(vips_image_write_to_buffer(image, suffix, &buf, &size, nullptr) == 0);
    const std::string bytes(static_cast<const char*>(buf), size);
    g_free(buf);
    const auto r = probe_image(bytes, ImageLimits{});
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(r->width == 40);
    CHECK(r->height == 30);
    CHECK(std::string(".") + r->format == (std::string(suffix) == ".tif" ? ".tiff" : suffix));
    CHECK(hash_image(bytes, ImageLimits{}).ok());
  }
  g_object_unref(image);
}

TEST_CASE("bytes that are not an image, SVG, PDF, BMP and empty files are refused") {
  const std::string not_supported =
      "the file is not an image in a supported format (JPEG, PNG, WebP, HEIF, GIF or TIFF)";
  const std::string svg =
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>)";
  const std::string pdf =
      "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
      "/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
      "trailer<</Root 1 0 R>>\n%%EOF\n";
  // A 1 x 1 BMP: only ImageMagick (an untrusted loader) would read it.
  const std::string bmp(
      "BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\x18\0"
      "\0\0\0\0\x04\0\0\0\x13\x0b\0\0\x13\x0b\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\0",
      58);
  for (const auto& [name, bytes] : std::array<std::pair<const char*, std::string>, 4>{
           {{"text", "Bonjour, voici la photo"}, {"svg", svg}, {"pdf", pdf}, {"bmp", bmp}}}) {
    CAPTURE(name);
    const auto probe = probe_image(bytes, ImageLimits{});
    REQUIRE_FALSE(probe.ok());
    CHECK(probe.error().kind == ErrorKind::invalid_input);
    CHECK(probe.error().message == not_supported);
    CHECK_FALSE(hash_image(bytes, ImageLimits{}).ok());
    CHECK_FALSE(make_thumbnail(bytes, 100, ImageLimits{}).ok());
  }
  const auto empty = probe_image("", ImageLimits{});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("a truncated JPEG is invalid input, not a crash nor a grey picture") {
  const auto jpeg = read_file(photos + "building.jpg");
  for (std::size_t keep : {jpeg.size() / 2, jpeg.size() - 100, std::size_t{700}, std::size_t{20}}) {
    CAPTURE(keep);
    const auto cut = std::string_view(jpeg).substr(0, keep);
    const auto h = hash_image(cut, ImageLimits{});
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().kind == ErrorKind::invalid_input);
    const auto t = make_thumbnail(cut, 200, ImageLimits{});
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::invalid_input);
  }
}

TEST_CASE("a thumbnail is a JPEG within max_side, never enlarged, without metadata") {
  const auto source = read_file(photos + "messi5.jpg");  // 548 x 342
  const auto thumb = make_thumbnail(source, 320, ImageLimits{});
  REQUIRE_MESSAGE(thumb.ok(), thumb.error().message);
  CHECK(thumb->substr(0, 3) == "\xFF\xD8\xFF");
  const auto info = probe_image(*thumb, ImageLimits{});
  REQUIRE(info.ok());
  CHECK(info->format == "jpeg");
  CHECK(info->width == 320);
  CHECK(info->height == 200);
  CHECK(thumb->find("Exif") == std::string::npos);

  const auto same = probe_image(make_thumbnail(source, 2000, ImageLimits{}).value(), ImageLimits{});
  REQUIRE(same.ok());
  CHECK(same->width == 548);
  CHECK(same->height == 342);

  const auto portrait = make_thumbnail(read_file(photos + "HappyFish.jpg"), 100, ImageLimits{});
  REQUIRE(portrait.ok());
  const auto p = probe_image(*portrait, ImageLimits{});
  CHECK(std::max(p->width, p->height) == 100);

  // A transparent PNG is put on white (JPEG has no alpha).
  init_image_library();
  VipsImage* clear = nullptr;
  REQUIRE(vips_black(&clear, 8, 8, "bands", 4, nullptr) == 0);
  VipsImage* clear8 = nullptr;
  REQUIRE(vips_cast(clear, &clear8, VIPS_FORMAT_UCHAR, nullptr) == 0);
  g_object_unref(clear);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_pngsave_buffer(clear8, &buf, &size, nullptr) == 0);
  g_object_unref(clear8);
  const std::string png(static_cast<const char*>(buf), size);
  g_free(buf);
  const auto white = make_thumbnail(png, 8, ImageLimits{});
  REQUIRE(white.ok());
  VipsImage* back = vips_image_new_from_buffer(white->data(), white->size(), "", nullptr);
  REQUIRE(back != nullptr);
  double mean = 0;
  REQUIRE(vips_avg(back, &mean, nullptr) == 0);
  g_object_unref(back);
  CHECK(mean > 250);
  CHECK(make_thumbnail(source, 0, ImageLimits{}).error().kind == ErrorKind::invalid_input);
}
