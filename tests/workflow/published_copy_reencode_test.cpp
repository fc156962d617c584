// Photos whose pixels cannot be kept as they are: HEIC (8 and 10 bits), a TIFF turned by its
// orientation tag and a JPEG exiv2 cannot read come out as upright JPEG with their ICC profile
// and nothing else; bytes that are not a readable image are refused; several copies at once
// agree.
#include <doctest/doctest.h>

#include "published_copy_fixture.hpp"

using namespace relais::test_published_copy;

TEST_CASE("published copy: a HEIC photo becomes a JPEG with its ICC profile and no GPS") {
  if (!std::filesystem::exists(photo) || !have_command("heif-enc")) {
    MESSAGE("sample photo or heif-enc (libheif-examples) missing: skipped");
    return;
  }
  const auto icc = icc_profile();
  const auto jpeg_path = temp_path("in.jpg");
  const auto heic_path = temp_path("in.heic");
  write_file(jpeg_path, loaded_with_metadata(read_file(photo), icc));
  run("heif-enc -q 80 '" + jpeg_path + "' -o '" + heic_path + "'");
  const auto heic = read_file(heic_path);
  std::filesystem::remove(jpeg_path);
  std::filesystem::remove(heic_path);
  if (heic.empty()) {
    MESSAGE("heif-enc could not encode (no HEVC encoder?): skipped");
    return;
  }
  REQUIRE(heic.find("BODY-SECRET") != std::string::npos);  // heif-enc copied the EXIF
  const auto decoded_heic = vips_decode(heic);

  const auto copy = published_copy(heic, "image/heic");
  REQUIRE(copy.ok());
  CHECK(copy->content_type == "image/jpeg");
  CHECK(copy->reencoded);
  CHECK(copy->bytes.substr(0, 3) == "\xFF\xD8\xFF");
  CHECK_FALSE(contains_secret(copy->bytes));
  const auto keys = exif_keys(copy->bytes);
  CHECK_FALSE(has_key_starting(keys, "Exif.GPSInfo"));
  CHECK_FALSE(has_key_starting(keys, "Exif.Thumbnail"));
  auto image = exiv2_read(copy->bytes);
  CHECK(image->xmpPacket().empty());
  CHECK(image->iptcData().empty());
  // HEIF turns pictures with its own boxes, which libheif applies; the EXIF orientation inside
  // a HEIC is informative only. The copy is as the HEIC displays, with no orientation to apply.
  const auto decoded = vips_decode(copy->bytes);
  CHECK(decoded.width == decoded_heic.width);
  CHECK(decoded.height == decoded_heic.height);
  CHECK(decoded.orientation == 1);
  CHECK(decoded.icc == icc);
  if (have_command("exiv2")) {
    const auto path = temp_path("heic-copy.jpg");
    write_file(path, copy->bytes);
    const auto listing = run("exiv2 -pa '" + path + "'");
    CHECK(listing.find("GPS") == std::string::npos);
    CHECK(listing.find("SECRET") == std::string::npos);
    CHECK(run("exiv2 -pC '" + path + "'") == icc);
    std::filesystem::remove(path);
  }
}

TEST_CASE("published copy: a 10-bit HEIC keeps its ICC profile once narrowed to 8 bits") {
  if (!std::filesystem::exists(photo) || !have_command("heif-enc")) {
    MESSAGE("sample photo or heif-enc (libheif-examples) missing: skipped");
    return;
  }
  const auto icc = icc_profile();
  const auto loaded = loaded_with_metadata(read_file(photo), icc);
  // A 16-bit PNG with the profile, which heif-enc turns into a 10-bit HEIC.
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(loaded.data(), loaded.size(), "", nullptr);
  REQUIRE(image != nullptr);
  VipsImage* wide = nullptr;
  REQUIRE(vips_cast(image, &wide, VIPS_FORMAT_USHORT, "shift", TRUE, nullptr) == 0);
  g_object_unref(image);
  VipsImage* rgb16 = nullptr;
  REQUIRE(vips_copy(wide, &rgb16, "interpretation", VIPS_INTERPRETATION_RGB16, nullptr) == 0);
  g_object_unref(wide);
  const auto png_path = temp_path("in16.png");
  const auto heic_path = temp_path("in10.heic");
  REQUIRE(vips_pngsave(rgb16, png_path.c_str(), nullptr) == 0);
  g_object_unref(rgb16);
  run("heif-enc -b 10 -q 80 '" + png_path + "' -o '" + heic_path + "'");
  const auto heic = read_file(heic_path);
  std::filesystem::remove(png_path);
  std::filesystem::remove(heic_path);
  if (heic.empty()) {
    MESSAGE("heif-enc could not encode a 10-bit HEIC: skipped");
    return;
  }
  REQUIRE(vips_decode(heic).icc == icc);

  const auto copy = published_copy(heic, "image/heic");
  REQUIRE(copy.ok());
  CHECK(copy->reencoded);
  CHECK_FALSE(contains_secret(copy->bytes));
  CHECK_FALSE(has_key_starting(exif_keys(copy->bytes), "Exif.GPSInfo"));
  CHECK(vips_decode(copy->bytes).icc == icc);
}

TEST_CASE("published copy: a TIFF turned by its orientation tag becomes an upright JPEG") {
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): skipped");
    return;
  }
  const auto icc = icc_profile();
  const auto loaded = loaded_with_metadata(read_file(photo), icc);
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(loaded.data(), loaded.size(), "", nullptr);
  REQUIRE(image != nullptr);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_tiffsave_buffer(image, &buf, &size, nullptr) == 0);
  g_object_unref(image);
  const std::string tiff(static_cast<const char*>(buf), size);
  g_free(buf);
  REQUIRE(vips_decode(tiff).orientation == 6);

  const auto copy = published_copy(tiff, "image/tiff");
  REQUIRE(copy.ok());
  CHECK(copy->content_type == "image/jpeg");
  CHECK(copy->reencoded);
  CHECK_FALSE(contains_secret(copy->bytes));
  const auto decoded = vips_decode(copy->bytes);
  CHECK(decoded.width == 600);  // turned: the stored picture is 868 x 600
  CHECK(decoded.height == 868);
  CHECK(decoded.orientation == 1);
  CHECK(decoded.icc == icc);
  const auto keys = exif_keys(copy->bytes);
  CHECK_FALSE(has_key_starting(keys, "Exif.GPSInfo"));
  // Upright and the same picture: its hashes match those of the JPEG it came from.
  const auto in_hash = hash_image(loaded, ImageLimits{});
  const auto out_hash = hash_image(copy->bytes, ImageLimits{});
  REQUIRE(out_hash.ok());
  CHECK(image_distance(*in_hash, *out_hash) <= 4);
  CHECK(out_hash->width == in_hash->width);
}

TEST_CASE("published copy: a JPEG exiv2 cannot read is re-encoded, a bad ICC profile dropped") {
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): skipped");
    return;
  }
  auto loaded = loaded_with_metadata(read_file(photo), icc_profile());
  // The profile's own size field now claims 100 bytes more than its segment holds: exiv2
  // refuses the file's metadata altogether.
  const auto at = loaded.find("ICC_PROFILE");
  REQUIRE(at != std::string::npos);
  const std::size_t size_field = at + 14;
  const auto claimed = be_bytes(be(loaded, size_field, 4) + 100, 4);
  loaded.replace(size_field, 4, claimed);
  CHECK_THROWS(exiv2_read(loaded));

  const auto copy = published_copy(loaded, "image/jpeg");
  REQUIRE(copy.ok());
  CHECK(copy->content_type == "image/jpeg");
  CHECK(copy->reencoded);
  CHECK_FALSE(contains_secret(copy->bytes));
  const auto keys = exif_keys(copy->bytes);
  CHECK_FALSE(has_key_starting(keys, "Exif.GPSInfo"));
  CHECK_FALSE(exiv2_read(copy->bytes)->iccProfileDefined());
  const auto decoded = vips_decode(copy->bytes);
  CHECK(decoded.width == 600);  // upright
  CHECK(decoded.orientation == 1);
}

TEST_CASE("published copy: bytes that are not a readable image are invalid input") {
  const auto refused = [](std::string_view bytes, std::string_view type) {
    const auto copy = published_copy(bytes, type);
    REQUIRE_FALSE(copy.ok());
    CHECK(copy.error().kind == ErrorKind::invalid_input);
    CHECK_FALSE(copy.error().message.empty());
    return copy.error().message;
  };
  refused("", "image/jpeg");
  refused("this is not a photo at all, only words", "image/jpeg");
  refused(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\0garbage", 17), "image/jpeg");
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): truncated files skipped");
    return;
  }
  const auto loaded = loaded_with_metadata(read_file(photo), icc_profile());
  CHECK(refused(loaded.substr(0, loaded.size() / 2), "image/jpeg") == "the JPEG file is truncated");
  // A file cut inside its metadata, before the picture.
  refused(loaded.substr(0, 2000), "image/jpeg");

  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(loaded.data(), loaded.size(), "", nullptr);
  REQUIRE(image != nullptr);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_pngsave_buffer(image, &buf, &size, nullptr) == 0);
  const std::string png(static_cast<const char*>(buf), size);
  g_free(buf);
  REQUIRE(vips_webpsave_buffer(image, &buf, &size, nullptr) == 0);
  const std::string webp(static_cast<const char*>(buf), size);
  g_free(buf);
  REQUIRE(vips_tiffsave_buffer(image, &buf, &size, nullptr) == 0);
  const std::string tiff(static_cast<const char*>(buf), size);
  g_free(buf);
  g_object_unref(image);
  CHECK(refused(png.substr(0, png.size() / 2), "image/png") == "the PNG file is truncated");
  refused(webp.substr(0, webp.size() / 2), "image/webp");  // libvips refuses its header first
  refused(tiff.substr(0, tiff.size() / 2), "image/tiff");
}

TEST_CASE("published copy: several photos at once give the same copies") {
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): skipped");
    return;
  }
  const auto loaded = with_foreign_segments(loaded_with_metadata(read_file(photo), icc_profile()));
  const auto expected = published_copy(loaded, "image/jpeg");
  REQUIRE(expected.ok());
  std::vector<std::future<std::string>> runs;
  for (int i = 0; i < 4; ++i)
    runs.push_back(std::async(std::launch::async, [&loaded] {
      std::string last;
      for (int k = 0; k < 5; ++k) {
        auto copy = published_copy(loaded, "image/jpeg");
        last = copy.ok() ? copy->bytes : copy.error().message;
      }
      return last;
    }));
  for (auto& r : runs)
    CHECK(r.get() == expected->bytes);
}
