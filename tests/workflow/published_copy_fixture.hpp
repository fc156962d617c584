// What the published-copy tests share: reading files and metadata back (exiv2 library and
// command, libvips), building JPEG, PNG and WebP parts by hand, a photo loaded with every kind
// of metadata, and the checks that a copy is clean.
#pragma once

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

namespace relais::test_published_copy {
using namespace relais::workflow;
using relais::ErrorKind;

inline const std::string photo = "/usr/share/doc/opencv-doc/examples/data/building.jpg";

inline std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline void write_file(const std::string& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("relais-published-copy-" + std::to_string(getpid()) + "-" + name))
      .string();
}

inline bool have_command(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// The command's standard output (its errors go to /dev/null).
inline std::string run(const std::string& command) {
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

inline std::unique_ptr<Exiv2::Image> exiv2_read(std::string_view bytes) {
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

inline std::vector<std::string> exif_keys(std::string_view bytes) {
  auto image = exiv2_read(bytes);
  std::vector<std::string> keys;
  for (const auto& d : image->exifData())
    keys.push_back(d.key());
  return keys;
}

inline bool has_key_starting(const std::vector<std::string>& keys, std::string_view prefix) {
  for (const auto& k : keys)
    if (k.rfind(prefix, 0) == 0)
      return true;
  return false;
}

inline std::string exif_value(std::string_view bytes, const std::string& key) {
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

inline Decoded vips_decode(std::string_view bytes) {
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
inline std::string icc_profile() {
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

inline std::uint32_t be(std::string_view s, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

inline std::string be_bytes(std::uint32_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i)
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}

inline std::string jpeg_segment(unsigned marker, std::string_view payload) {
  return std::string("\xFF") + static_cast<char>(marker) +
         be_bytes(static_cast<std::uint32_t>(payload.size() + 2), 2) + std::string(payload);
}

struct Segment {
  unsigned marker;
  std::string payload;
};

// The segments before the first scan, and the bytes from SOS to the end.
inline std::pair<std::vector<Segment>, std::string> jpeg_parts(std::string_view jpeg) {
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

inline std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline std::string png_chunk(std::string_view type, std::string_view data) {
  const std::string body = std::string(type) + std::string(data);
  return be_bytes(static_cast<std::uint32_t>(data.size()), 4) + body + be_bytes(crc32(body), 4);
}

inline std::vector<std::pair<std::string, std::string>> png_chunks(std::string_view png) {
  std::vector<std::pair<std::string, std::string>> chunks;
  for (std::size_t pos = 8; pos + 12 <= png.size();) {
    const std::size_t length = be(png, pos, 4);
    chunks.emplace_back(std::string(png.substr(pos + 4, 4)),
                        std::string(png.substr(pos + 8, length)));
    pos += 12 + length;
  }
  return chunks;
}

inline std::string png_idat(std::string_view png) {
  std::string idat;
  for (const auto& [type, data] : png_chunks(png))
    if (type == "IDAT")
      idat += data;
  return idat;
}

inline std::vector<std::pair<std::string, std::string>> webp_chunks(std::string_view webp) {
  std::vector<std::pair<std::string, std::string>> chunks;
  for (std::size_t pos = 12; pos + 8 <= webp.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(webp.data() + pos + 4);
    const std::size_t size = p[0] | (p[1] << 8) | (p[2] << 16) | (std::size_t{p[3]} << 24);
    chunks.emplace_back(std::string(webp.substr(pos, 4)), std::string(webp.substr(pos + 8, size)));
    pos += 8 + size + (size & 1);
  }
  return chunks;
}

inline const std::vector<std::string> secrets{
    "BODY-SECRET", "OWNER-SECRET", "LENS-SECRET", "CAMERA-SECRET", "UNIQUE-SECRET", "DESC-SECRET",
    "UC-SECRET",   "MAKER-SECRET", "XMP-SECRET",  "IPTC-SECRET",   "COM-SECRET",    "MODEL-SECRET",
};

// The photo with everything a camera, a phone and an agency put in it, written by the exiv2
// library; the ICC profile set with it.
inline std::string loaded_with_metadata(const std::string& jpeg, const std::string& icc) {
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
inline const std::string kTrailer = "TRAILER-SECRET";
inline std::string with_foreign_segments(const std::string& jpeg) {
  return jpeg.substr(0, 2) + jpeg_segment(0xE3, "META-SECRET") +
         jpeg_segment(0xE2, std::string("MPF\0MPF-SECRET", 14)) + jpeg.substr(2) + kTrailer;
}

inline bool contains_secret(std::string_view bytes) {
  return bytes.find("SECRET") != std::string_view::npos;
}

// Written to a file and read with the exiv2 command, as a person checking by hand would.
inline void check_with_exiv2_command(std::string_view copy, const std::string& icc,
                                     bool orientation) {
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

inline void check_clean(std::string_view copy, const std::string& icc) {
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

}  // namespace relais::test_published_copy
