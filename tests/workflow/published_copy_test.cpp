// The published copy of a photo loaded with everything a camera, a phone or an agency puts in
// it (GPS, serial numbers, owner, maker note, EXIF thumbnail, XMP, IPTC, comments, an MPF
// segment, a vendor APPn, data after the end): read back with the exiv2 library and the exiv2
// command, nothing of it is left, while the orientation, the ICC profile, the dates and the
// author's credit are, and the compressed pixels are the same bytes. Other formats:
// published_copy_reencode_test.cpp.
#include <doctest/doctest.h>

#include "published_copy_fixture.hpp"

using namespace relais::test_published_copy;

TEST_CASE("published copy: a JPEG loses its GPS, serials, XMP, IPTC and extras, not its pixels") {
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): skipped");
    return;
  }
  const auto original = read_file(photo);
  const auto icc = icc_profile();
  const auto loaded = with_foreign_segments(loaded_with_metadata(original, icc));
  // The sample really carries it all.
  for (const auto& s : secrets)
    CHECK_MESSAGE(loaded.find(s) != std::string::npos, s);
  REQUIRE(has_key_starting(exif_keys(loaded), "Exif.GPSInfo"));
  REQUIRE(has_key_starting(exif_keys(loaded), "Exif.Thumbnail"));
  REQUIRE(exiv2_read(loaded)->iptcData().count() == 1);

  const auto copy = published_copy(loaded, "image/jpeg");
  REQUIRE(copy.ok());
  CHECK(copy->content_type == "image/jpeg");
  CHECK_FALSE(copy->reencoded);
  check_clean(copy->bytes, icc);
  CHECK(exif_value(copy->bytes, "Exif.Image.Orientation") == "6");
  CHECK(vips_decode(copy->bytes).orientation == 6);
  CHECK(vips_decode(copy->bytes).icc == icc);
  check_with_exiv2_command(copy->bytes, icc, true);

  // Same compressed pixels: the scan is the same bytes, and the picture decodes the same.
  const auto [in_segments, in_scan] = jpeg_parts(loaded);
  const auto [out_segments, out_scan] = jpeg_parts(copy->bytes);
  CHECK(out_scan == in_scan.substr(0, in_scan.size() - kTrailer.size()));
  CHECK(out_scan.substr(out_scan.size() - 2) == "\xFF\xD9");
  const auto in_hash = hash_image(loaded, ImageLimits{});
  const auto out_hash = hash_image(copy->bytes, ImageLimits{});
  REQUIRE(in_hash.ok());
  REQUIRE(out_hash.ok());
  CHECK(*in_hash == *out_hash);
  CHECK(out_hash->width == 600);  // upright: orientation 6 turns 868 x 600
  for (const auto& s : in_segments)
    if (s.marker == 0xDB || s.marker == 0xC4 || s.marker == 0xC0) {
      bool found = false;
      for (const auto& o : out_segments)
        found = found || (o.marker == s.marker && o.payload == s.payload);
      CHECK(found);
    }

  // Segments: SOI, JFIF, one EXIF, the ICC profile, then only coding segments.
  REQUIRE(out_segments.size() >= 3);
  CHECK(out_segments[0].marker == 0xE0);
  CHECK(out_segments[1].marker == 0xE1);
  CHECK(out_segments[1].payload.rfind(std::string("Exif\0\0", 6), 0) == 0);
  int exif = 0;
  int icc_segments = 0;
  for (const auto& s : out_segments) {
    exif += s.marker == 0xE1;
    icc_segments += s.marker == 0xE2 && s.payload.rfind("ICC_PROFILE", 0) == 0;
    CHECK(s.marker != 0xFE);                      // COM
    CHECK((s.marker < 0xE3 || s.marker > 0xEF));  // APP3..APP15
    CHECK(s.payload.rfind("MPF", 0) == std::string::npos);
  }
  CHECK(exif == 1);
  CHECK(icc_segments == 1);
}

TEST_CASE("published copy: a progressive JPEG with restart markers keeps every scan") {
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
  REQUIRE(vips_jpegsave_buffer(image, &buf, &size, "interlace", TRUE, "restart_interval", 2,
                               nullptr) == 0);
  g_object_unref(image);
  const std::string progressive(static_cast<const char*>(buf), size);
  g_free(buf);
  REQUIRE(has_key_starting(exif_keys(progressive), "Exif.GPSInfo"));

  const auto copy = published_copy(progressive, "image/jpeg");
  REQUIRE(copy.ok());
  CHECK_FALSE(copy->reencoded);
  check_clean(copy->bytes, icc);
  // Scans, the tables between them and the restart markers: the same bytes to the end.
  const auto in_scans = jpeg_parts(progressive).second;
  const auto out_scans = jpeg_parts(copy->bytes).second;
  CHECK(out_scans == in_scans);
  CHECK(out_scans.find("\xFF\xD0") != std::string::npos);  // RST0 is there
  const auto in_hash = hash_image(progressive, ImageLimits{});
  const auto out_hash = hash_image(copy->bytes, ImageLimits{});
  REQUIRE(out_hash.ok());
  CHECK(*in_hash == *out_hash);
}

TEST_CASE("published copy: a photo without metadata is returned as it is") {
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): skipped");
    return;
  }
  const auto original = read_file(photo);
  const auto copy = published_copy(original, "image/jpeg");
  REQUIRE(copy.ok());
  CHECK(copy->bytes == original);
  CHECK_FALSE(copy->reencoded);

  // The same for a PNG libvips wrote without metadata.
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(original.data(), original.size(), "", nullptr);
  REQUIRE(image != nullptr);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_pngsave_buffer(image, &buf, &size, "strip", TRUE, nullptr) == 0);
  g_object_unref(image);
  const std::string png(static_cast<const char*>(buf), size);
  g_free(buf);
  const auto png_copy = published_copy(png, "image/png");
  REQUIRE(png_copy.ok());
  CHECK(png_copy->bytes == png);
  CHECK(png_copy->content_type == "image/png");

  // The bytes decide the type, not the sender's word.
  const auto mislabelled = published_copy(original, "image/png");
  REQUIRE(mislabelled.ok());
  CHECK(mislabelled->content_type == "image/jpeg");
}

TEST_CASE("published copy: a PNG keeps its pixels, ICC and orientation in eXIf, nothing else") {
  if (!std::filesystem::exists(photo)) {
    MESSAGE("sample photo missing (opencv-doc): skipped");
    return;
  }
  const auto icc = icc_profile();
  const auto loaded = loaded_with_metadata(read_file(photo), icc);
  // libvips writes the EXIF (eXIf), the XMP (zTXt) and the ICC profile (iCCP) in the PNG.
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(loaded.data(), loaded.size(), "", nullptr);
  REQUIRE(image != nullptr);
  void* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_pngsave_buffer(image, &buf, &size, nullptr) == 0);
  g_object_unref(image);
  std::string png(static_cast<const char*>(buf), size);
  g_free(buf);
  // A text chunk with a place, a time stamp and a private chunk, before the pixels.
  const auto idat = png.find("IDAT") - 4;
  png.insert(idat, png_chunk("tEXt", std::string("Location\0PNG-SECRET", 19)) +
                       png_chunk("tIME", std::string("\x07\xE8\x05\x01\x0A\x00\x00", 7)) +
                       png_chunk("prVt", "PRIVATE-SECRET"));
  REQUIRE(has_key_starting(exif_keys(png), "Exif.GPSInfo"));
  REQUIRE(vips_decode(png).icc == icc);

  const auto copy = published_copy(png, "image/png");
  REQUIRE(copy.ok());
  CHECK(copy->content_type == "image/png");
  CHECK_FALSE(copy->reencoded);
  check_clean(copy->bytes, icc);
  CHECK(exif_value(copy->bytes, "Exif.Image.Orientation") == "6");
  const auto decoded = vips_decode(copy->bytes);
  CHECK(decoded.orientation == 6);  // read from the eXIf chunk, as browsers do
  CHECK(decoded.icc == icc);
  CHECK(png_idat(copy->bytes) == png_idat(png));
  int exif_chunks = 0;
  for (const auto& [type, data] : png_chunks(copy->bytes)) {
    CHECK(type != "tEXt");
    CHECK(type != "zTXt");
    CHECK(type != "iTXt");
    CHECK(type != "tIME");
    CHECK(type != "prVt");
    exif_chunks += type == "eXIf";
  }
  CHECK(exif_chunks == 1);
  CHECK(png_chunks(copy->bytes).back().first == "IEND");
  check_with_exiv2_command(copy->bytes, icc, true);
  const auto in_hash = hash_image(png, ImageLimits{});
  const auto out_hash = hash_image(copy->bytes, ImageLimits{});
  REQUIRE(out_hash.ok());
  CHECK(*in_hash == *out_hash);
}

TEST_CASE("published copy: a WebP keeps its bitstream, ICC and orientation, nothing else") {
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
  REQUIRE(vips_webpsave_buffer(image, &buf, &size, "Q", 80, nullptr) == 0);
  g_object_unref(image);
  const std::string webp(static_cast<const char*>(buf), size);
  g_free(buf);
  REQUIRE(has_key_starting(exif_keys(webp), "Exif.GPSInfo"));
  REQUIRE_FALSE(exiv2_read(webp)->xmpPacket().empty());

  const auto copy = published_copy(webp, "image/webp");
  REQUIRE(copy.ok());
  CHECK(copy->content_type == "image/webp");
  CHECK_FALSE(copy->reencoded);
  check_clean(copy->bytes, icc);
  CHECK(exif_value(copy->bytes, "Exif.Image.Orientation") == "6");
  const auto decoded = vips_decode(copy->bytes);
  CHECK(decoded.orientation == 6);
  CHECK(decoded.icc == icc);
  std::string in_vp8;
  std::string out_vp8;
  for (const auto& [type, data] : webp_chunks(webp))
    if (type == "VP8 ")
      in_vp8 = data;
  for (const auto& [type, data] : webp_chunks(copy->bytes)) {
    CHECK(type != "XMP ");
    if (type == "VP8 ")
      out_vp8 = data;
  }
  CHECK_FALSE(in_vp8.empty());
  CHECK(out_vp8 == in_vp8);
  const auto in_hash = hash_image(webp, ImageLimits{});
  const auto out_hash = hash_image(copy->bytes, ImageLimits{});
  REQUIRE(out_hash.ok());
  CHECK(*in_hash == *out_hash);
  check_with_exiv2_command(copy->bytes, icc, true);
}
