// The published copy of a photo loaded with everything a camera, a phone or an agency puts in
// it (GPS, serial numbers, owner, maker note, EXIF thumbnail, XMP, IPTC, comments, an MPF
// segment, a vendor APPn, data after the end): read back with the exiv2 library and the exiv2
// command, nothing of it is left, while the orientation, the ICC profile, the dates and the
// author's credit are, and the compressed pixels are the same bytes. HEIC and TIFF come out as
// upright JPEG; damaged files are refused.
#include <doctest/doctest.h>

#include <unistd.h>
#include <vips/vips.h>
#include <exiv2/exiv2.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "workflow/image_pipeline.hpp"
#include "workflow/published_copy.hpp"

using namespace relais::workflow;
using relais::ErrorKind;

namespace {

const std::string photo = "/usr/share/doc/opencv-doc/examples/data/building.jpg";

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("relais-published-copy-" + std::to_string(getpid()) + "-" + name))
      .string();
}

bool have_command(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// The command's standard output (its errors go to /dev/null).
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    out.append(buffer, n);
  pclose(pipe);
  return out;
}

std::unique_ptr<Exiv2::Image> exiv2_read(std::string_view bytes) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  std::unique_ptr<Exiv2::Image> image(
      Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                static_cast<long>(bytes.size()))
          .release());
#pragma GCC diagnostic pop
  image->readMetadata();
  return image;
}

std::vector<std::string> exif_keys(std::string_view bytes) {
  auto image = exiv2_read(bytes);
  std::vector<std::string> keys;
  for (const auto& d : image->exifData())
    keys.push_back(d.key());
  return keys;
}

bool has_key_starting(const std::vector<std::string>& keys, std::string_view prefix) {
  for (const auto& k : keys)
    if (k.rfind(prefix, 0) == 0)
      return true;
  return false;
}

std::string exif_value(std::string_view bytes, const std::string& key) {
  auto image = exiv2_read(bytes);
  const auto it = image->exifData().findKey(Exiv2::ExifKey(key));
  return it == image->exifData().end() ? std::string() : it->toString();
}

struct Decoded {
  int width = 0;
  int height = 0;
  std::string icc;
  int orientation = 1;
};

Decoded vips_decode(std::string_view bytes) {
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  REQUIRE(image != nullptr);
  Decoded d{image->Xsize, image->Ysize, {}, 1};
  const void* data = nullptr;
  std::size_t size = 0;
  if (vips_image_get_typeof(image, VIPS_META_ICC_NAME) &&
      vips_image_get_blob(image, VIPS_META_ICC_NAME, &data, &size) == 0)
    d.icc.assign(static_cast<const char*>(data), size);
  if (vips_image_get_typeof(image, VIPS_META_ORIENTATION))
    vips_image_get_int(image, VIPS_META_ORIENTATION, &d.orientation);
  g_object_unref(image);
  return d;
}

// An ICC profile that is not sRGB when the system has one (Adobe RGB from Ghostscript), so that
// keeping it is seen; libvips' built-in sRGB profile otherwise.
std::string icc_profile() {
  for (const char* p :
       {"/usr/share/color/icc/ghostscript/a98.icc", "/usr/share/color/icc/ghostscript/srgb.icc"})
    if (std::filesystem::exists(p))
      return read_file(p);
  init_image_library();
  VipsImage* black = nullptr;
  REQUIRE(vips_black(&black, 8, 8, "bands", 3, nullptr) == 0);
  VipsImage* srgb = nullptr;
  REQUIRE(vips_icc_export(black, &srgb, "output_profile", "srgb", nullptr) == 0);
  g_object_unref(black);
  const void* data = nullptr;
  std::size_t size = 0;
  REQUIRE(vips_image_get_blob(srgb, VIPS_META_ICC_NAME, &data, &size) == 0);
  std::string icc(static_cast<const char*>(data), size);
  g_object_unref(srgb);
  return icc;
}

std::uint32_t be(std::string_view s, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

std::string be_bytes(std::uint32_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i)
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}

std::string jpeg_segment(unsigned marker, std::string_view payload) {
  return std::string("\xFF") + static_cast<char>(marker) +
         be_bytes(static_cast<std::uint32_t>(payload.size() + 2), 2) + std::string(payload);
}

struct Segment {
  unsigned marker;
  std::string payload;
};

// The segments before the first scan, and the bytes from SOS to the end.
std::pair<std::vector<Segment>, std::string> jpeg_parts(std::string_view jpeg) {
  std::vector<Segment> segments;
  std::size_t pos = 2;
  while (pos + 4 <= jpeg.size()) {
    const unsigned marker = static_cast<unsigned char>(jpeg[pos + 1]);
    if (marker == 0xDA)
      return {segments, std::string(jpeg.substr(pos))};
    const std::size_t length = be(jpeg, pos + 2, 2);
    segments.push_back({marker, std::string(jpeg.substr(pos + 4, length - 2))});
    pos += 2 + length;
  }
  FAIL("no SOS in the JPEG");
  return {};
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

std::string png_chunk(std::string_view type, std::string_view data) {
  const std::string body = std::string(type) + std::string(data);
  return be_bytes(static_cast<std::uint32_t>(data.size()), 4) + body + be_bytes(crc32(body), 4);
}

std::vector<std::pair<std::string, std::string>> png_chunks(std::string_view png) {
  std::vector<std::pair<std::string, std::string>> chunks;
  for (std::size_t pos = 8; pos + 12 <= png.size();) {
    const std::size_t length = be(png, pos, 4);
    chunks.emplace_back(std::string(png.substr(pos + 4, 4)),
                        std::string(png.substr(pos + 8, length)));
    pos += 12 + length;
  }
  return chunks;
}

std::string png_idat(std::string_view png) {
  std::string idat;
  for (const auto& [type, data] : png_chunks(png))
    if (type == "IDAT")
      idat += data;
  return idat;
}

std::vector<std::pair<std::string, std::string>> webp_chunks(std::string_view webp) {
  std::vector<std::pair<std::string, std::string>> chunks;
  for (std::size_t pos = 12; pos + 8 <= webp.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(webp.data() + pos + 4);
    const std::size_t size = p[0] | (p[1] << 8) | (p[2] << 16) | (std::size_t{p[3]} << 24);
    chunks.emplace_back(std::string(webp.substr(pos, 4)), std::string(webp.substr(pos + 8, size)));
    pos += 8 + size + (size & 1);
  }
  return chunks;
}

const std::vector<std::string> secrets{
    "BODY-SECRET", "OWNER-SECRET", "LENS-SECRET", "CAMERA-SECRET", "UNIQUE-SECRET", "DESC-SECRET",
    "UC-SECRET",   "MAKER-SECRET", "XMP-SECRET",  "IPTC-SECRET",   "COM-SECRET",    "MODEL-SECRET",
};

// The photo with everything a camera, a phone and an agency put in it, written by the exiv2
// library; the ICC profile set with it.
std::string loaded_with_metadata(const std::string& jpeg, const std::string& icc) {
  auto image = exiv2_read(jpeg);
  Exiv2::ExifData& exif = image->exifData();
  exif["Exif.Image.Make"] = "Acme";
  exif["Exif.Image.Model"] = "MODEL-SECRET";
  exif["Exif.Image.Orientation"] = std::uint16_t{6};
  exif["Exif.Image.Artist"] = "Jane Doe";
  exif["Exif.Image.Copyright"] = "(c) Jane Doe";
  exif["Exif.Image.ImageDescription"] = "DESC-SECRET";
  exif["Exif.Image.CameraSerialNumber"] = "CAMERA-SECRET";
  exif["Exif.Photo.DateTimeOriginal"] = "2024:05:01 10:00:00";
  exif["Exif.Photo.BodySerialNumber"] = "BODY-SECRET";
  exif["Exif.Photo.CameraOwnerName"] = "OWNER-SECRET";
  exif["Exif.Photo.LensSerialNumber"] = "LENS-SECRET";
  exif["Exif.Photo.ImageUniqueID"] = "UNIQUE-SECRET";
  exif["Exif.Photo.UserComment"] = "charset=Ascii UC-SECRET";
  exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
  exif["Exif.GPSInfo.GPSLatitude"] = "45/1 55/1 0/1";
  exif["Exif.GPSInfo.GPSLongitudeRef"] = "E";
  exif["Exif.GPSInfo.GPSLongitude"] = "4/1 50/1 0/1";
  const std::string note = "MAKER-SECRET";
  Exiv2::DataValue maker(reinterpret_cast<const Exiv2::byte*>(note.data()),
                         static_cast<long>(note.size()), Exiv2::invalidByteOrder, Exiv2::undefined);
  exif.add(Exiv2::ExifKey("Exif.Photo.MakerNote"), &maker);
  const auto thumbnail = make_thumbnail(jpeg, 64, ImageLimits{});
  REQUIRE(thumbnail.ok());
  Exiv2::ExifThumb(exif).setJpegThumbnail(reinterpret_cast<const Exiv2::byte*>(thumbnail->data()),
                                          static_cast<long>(thumbnail->size()));
  image->xmpData()["Xmp.dc.subject"] = "XMP-SECRET";
  image->xmpData()["Xmp.photoshop.City"] = "Lyon";
  image->xmpData()["Xmp.exif.GPSLatitude"] = "45,55.0N";
  image->iptcData()["Iptc.Application2.City"] = "IPTC-SECRET";
  image->setComment("COM-SECRET");
  Exiv2::DataBuf profile(reinterpret_cast<const Exiv2::byte*>(icc.data()),
                         static_cast<long>(icc.size()));
  image->setIccProfile(profile, true);
  image->writeMetadata();
  Exiv2::BasicIo& io = image->io();
  REQUIRE(io.open() == 0);
  const Exiv2::DataBuf written = io.read(io.size());
  io.close();
  return std::string(reinterpret_cast<const char*>(written.pData_), written.size_);
}

// What exiv2 leaves alone: an MPF segment (the second pictures a phone appends), a vendor's
// APP3, and data after the end of the JPEG (a motion photo's video).
const std::string kTrailer = "TRAILER-SECRET";
std::string with_foreign_segments(const std::string& jpeg) {
  return jpeg.substr(0, 2) + jpeg_segment(0xE3, "META-SECRET") +
         jpeg_segment(0xE2, std::string("MPF\0MPF-SECRET", 14)) + jpeg.substr(2) + kTrailer;
}

bool contains_secret(std::string_view bytes) {
  return bytes.find("SECRET") != std::string_view::npos;
}

// Written to a file and read with the exiv2 command, as a person checking by hand would.
void check_with_exiv2_command(std::string_view copy, const std::string& icc, bool orientation) {
  if (!have_command("exiv2")) {
    MESSAGE("exiv2 command not installed: library read-back only");
    return;
  }
  const auto path = temp_path("copy");
  write_file(path, copy);
  const auto listing = run("exiv2 -pa '" + path + "'");
  CHECK(listing.find("GPS") == std::string::npos);
  CHECK(listing.find("SECRET") == std::string::npos);
  CHECK(listing.find("Serial") == std::string::npos);
  CHECK(listing.find("Xmp.") == std::string::npos);
  CHECK(listing.find("Iptc.") == std::string::npos);
  CHECK(listing.find("Exif.Thumbnail") == std::string::npos);
  CHECK(listing.find("Exif.Image.Artist") != std::string::npos);
  CHECK(listing.find("Exif.Photo.DateTimeOriginal") != std::string::npos);
  if (orientation)
    CHECK(listing.find("right, top") != std::string::npos);  // Orientation 6
  CHECK(run("exiv2 -pC '" + path + "'") == icc);
  std::filesystem::remove(path);
}

void check_clean(std::string_view copy, const std::string& icc) {
  CHECK_FALSE(contains_secret(copy));
  const auto keys = exif_keys(copy);
  CHECK_FALSE(has_key_starting(keys, "Exif.GPSInfo"));
  CHECK_FALSE(has_key_starting(keys, "Exif.Thumbnail"));
  CHECK_FALSE(has_key_starting(keys, "Exif.MakerNote"));
  for (const auto& k : keys) {
    CHECK(k.find("Serial") == std::string::npos);
    CHECK(k != "Exif.Photo.MakerNote");
    CHECK(k != "Exif.Photo.CameraOwnerName");
    CHECK(k != "Exif.Image.ImageDescription");
    CHECK(k != "Exif.Image.GPSTag");
  }
  auto image = exiv2_read(copy);
  CHECK(image->xmpData().empty());
  CHECK(image->xmpPacket().empty());
  CHECK(image->iptcData().empty());
  CHECK(image->comment().empty());
  REQUIRE(image->iccProfileDefined());
  CHECK(std::string(reinterpret_cast<const char*>(image->iccProfile()->pData_),
                    image->iccProfile()->size_) == icc);
  CHECK(exif_value(copy, "Exif.Image.Artist") == "Jane Doe");
  CHECK(exif_value(copy, "Exif.Image.Copyright") == "(c) Jane Doe");
  CHECK(exif_value(copy, "Exif.Photo.DateTimeOriginal") == "2024:05:01 10:00:00");
}

}  // namespace

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
