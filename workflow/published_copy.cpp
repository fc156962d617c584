// See published_copy.hpp. The files are rebuilt from allow-lists (segments, chunks, EXIF fields)
// rather than cleaned by deny-lists: a vendor's new way of hiding a position or a serial number
// is dropped without anyone having to know about it.
#include "workflow/published_copy.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <vips/vips.h>
#include <exiv2/exiv2.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "workflow/metadata_containers.hpp"
#include "workflow/vips_image.hpp"

namespace relais::workflow {
namespace {
using container_detail::rebuild_jpeg;
using container_detail::rebuild_png;
using container_detail::rebuild_webp;

using image_detail::decode_error;
using image_detail::ImagePtr;

std::shared_ptr<spdlog::logger> log() {
  static auto logger = [] {
    auto l = spdlog::get("images");
    return l ? l : spdlog::default_logger()->clone("images");
  }();
  return logger;
}

// ---------------------------------------------------------------------------------------------
// exiv2

std::once_flag exiv2_once;
std::mutex xmp_mutex;

// exiv2 registers the XMP namespaces it meets in the toolkit's process-wide table; the lock
// makes that safe when several photos are read at once.
void xmp_lock(void*, bool lock) {
  if (lock)
    xmp_mutex.lock();
  else
    xmp_mutex.unlock();
}

// Once per process: XmpParser::initialize itself is not thread-safe, and exiv2 would otherwise
// write a warning on stderr for every damaged file an untrusted sender can make.
void start_exiv2() {
  std::call_once(exiv2_once, [] {
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize(xmp_lock, nullptr);
  });
}

// The EXIF fields a published copy keeps. Everything else goes, whatever it is called:
// GPS, maker notes, serial numbers, owner, lens, unique id, description and user comment (free
// text that phones and agencies fill with places and names), make and model, the IFD1
// thumbnail (it may show the uncropped original). Kept: what the picture needs to be shown
// right (orientation, colour space, resolution), when it was taken, and the author's credit.
constexpr std::array<std::string_view, 22> kKeptExif{
    "Exif.Image.Orientation",
    "Exif.Image.Artist",
    "Exif.Image.Copyright",
    "Exif.Image.DateTime",
    "Exif.Photo.DateTimeOriginal",
    "Exif.Photo.DateTimeDigitized",
    "Exif.Photo.OffsetTime",
    "Exif.Photo.OffsetTimeOriginal",
    "Exif.Photo.OffsetTimeDigitized",
    "Exif.Photo.SubSecTime",
    "Exif.Photo.SubSecTimeOriginal",
    "Exif.Photo.SubSecTimeDigitized",
    "Exif.Image.XResolution",
    "Exif.Image.YResolution",
    "Exif.Image.ResolutionUnit",
    "Exif.Image.YCbCrPositioning",
    "Exif.Photo.ExifVersion",
    "Exif.Photo.ColorSpace",
    "Exif.Photo.PixelXDimension",
    "Exif.Photo.PixelYDimension",
    "Exif.Iop.InteroperabilityIndex",  // "R03" tells DCF readers the colours are Adobe RGB
    "Exif.Iop.InteroperabilityVersion",
};

bool kept_exif_key(std::string_view key) {
  return std::find(kKeptExif.begin(), kKeptExif.end(), key) != kKeptExif.end();
}

// The offsets exiv2 writes to reach the Exif and interoperability directories.
bool exif_pointer_key(std::string_view key) {
  return key == "Exif.Image.ExifTag" || key == "Exif.Photo.InteroperabilityTag";
}

// Reads the metadata of a file in memory. Throws Exiv2::AnyError (or a std::exception) when
// exiv2 does not know the format or the metadata is damaged.
std::unique_ptr<Exiv2::Image> read_metadata(std::string_view bytes) {
// exiv2 0.27 hands images out as a std::auto_ptr, deprecated since C++11: taken over at once.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  std::unique_ptr<Exiv2::Image> image(
      Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                static_cast<long>(bytes.size()))
          .release());
#pragma GCC diagnostic pop
  if (image == nullptr)
    throw std::runtime_error("exiv2 could not open the file");
  image->readMetadata();
  return image;
}

std::string icc_of(Exiv2::Image& image) {
  if (!image.iccProfileDefined())
    return {};
  const Exiv2::DataBuf* icc = image.iccProfile();
  return std::string(reinterpret_cast<const char*>(icc->pData_), icc->size_);
}

struct Metadata {
  std::string exif;  // TIFF-structured EXIF of the kept fields only; empty when none
  std::string icc;   // the profile as the file carries it, to check the copy against
};

// The kept fields, encoded from scratch: exiv2's other encode updates the original block in
// place when it can, which would carry over whatever unreferenced bytes it holds.
Metadata metadata_of(std::string_view bytes) {
  auto image = read_metadata(bytes);
  Exiv2::ExifData kept;
  for (const auto& datum : image->exifData())
    // A PNG may carry its EXIF twice (eXIf chunk and legacy text chunk): one of each field.
    if (kept_exif_key(datum.key()) && kept.findKey(Exiv2::ExifKey(datum.key())) == kept.end())
      kept.add(datum);
  Metadata m;
  m.icc = icc_of(*image);
  if (!kept.empty()) {
    Exiv2::ByteOrder order = image->byteOrder();
    if (order == Exiv2::invalidByteOrder)
      order = Exiv2::littleEndian;
    Exiv2::Blob blob;
    Exiv2::ExifParser::encode(blob, order, kept);
    m.exif.assign(blob.begin(), blob.end());
  }
  return m;
}

// The copy read back with exiv2: no EXIF field off the list, no XMP, IPTC or comment, and the
// ICC profile of the original, byte for byte.
bool verified(std::string_view copy, const std::string& icc) {
  auto image = read_metadata(copy);
  for (const auto& datum : image->exifData())
    if (!kept_exif_key(datum.key()) && !exif_pointer_key(datum.key()))
      return false;
  if (!image->xmpData().empty() || !image->xmpPacket().empty() || !image->iptcData().empty() ||
      !image->comment().empty())
    return false;
  return icc_of(*image) == icc;
}

// The same pixels, new metadata. unsupported when exiv2 cannot read the metadata or the copy
// does not read back clean: the caller then re-encodes.
Result<std::string> rebuild_in_place(std::string_view bytes, const std::string& format) {
  Metadata m;
  std::string exiv2_failure;
  try {
    m = metadata_of(bytes);
  } catch (const std::exception& e) {  // Exiv2::AnyError among them
    exiv2_failure = e.what();
  }
  // The structure is checked even when exiv2 failed: a truncated file says so.
  Result<std::string> copy = format == "jpeg"  ? rebuild_jpeg(bytes, m.exif)
                             : format == "png" ? rebuild_png(bytes, m.exif)
                                               : rebuild_webp(bytes, m.exif);
  if (!copy)
    return copy;
  if (!exiv2_failure.empty())
    return Error{ErrorKind::unsupported,
                 fmt::format("exiv2 could not read the metadata ({})", exiv2_failure)};
  try {
    if (!verified(*copy, m.icc))
      return Error{ErrorKind::unsupported, "the copy still carried metadata once read back"};
  } catch (const std::exception& e) {
    return Error{ErrorKind::unsupported,
                 fmt::format("exiv2 could not read the copy back ({})", e.what())};
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Re-encoding

struct EightBit {
  ImagePtr image;
  bool profile_applies = true;  // the original ICC profile still describes the pixels
};

// 8-bit RGB or grey. 16-bit RGB and grey are only narrowed, so their profile still applies
// (libvips drops it on the way: it is put back by the caller). CMYK is converted with its own
// profile (or libvips' default), anything else by libvips' formulas; both end in plain sRGB,
// with no profile.
Result<EightBit> eight_bit(ImagePtr image) {
  VipsImage* out = nullptr;
  const VipsInterpretation space = vips_image_guess_interpretation(image.get());
  bool applies = true;
  int rc = 0;
  if (space == VIPS_INTERPRETATION_CMYK) {
    rc = vips_icc_transform(image.get(), &out, "srgb", "embedded", TRUE, "input_profile", "cmyk",
                            "depth", 8, nullptr);
    applies = false;
  } else if (space == VIPS_INTERPRETATION_RGB16) {
    rc = vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr);
  } else if (space == VIPS_INTERPRETATION_GREY16) {
    rc = vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_B_W, nullptr);
  } else if (space == VIPS_INTERPRETATION_sRGB || space == VIPS_INTERPRETATION_B_W) {
    if (image->BandFmt == VIPS_FORMAT_UCHAR)
      return EightBit{std::move(image), true};
    rc = vips_cast(image.get(), &out, VIPS_FORMAT_UCHAR, nullptr);
  } else {
    rc = vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr);
    applies = false;
  }
  if (rc != 0)
    return decode_error("the image's colours could not be converted");
  return EightBit{ImagePtr(out), applies};
}

// JPEG at quality 92, then through the JPEG path above, which keeps only the listed EXIF fields
// of the block libvips writes and reads the result back.
Result<std::string> encode_checked(VipsImage* image) {
  void* buffer = nullptr;
  std::size_t size = 0;
  if (vips_jpegsave_buffer(image, &buffer, &size, "Q", 92, "optimize_coding", TRUE, "strip", FALSE,
                           nullptr) != 0)
    return decode_error("the image could not be encoded as JPEG");
  std::unique_ptr<void, image_detail::GFree> owned(buffer);
  return rebuild_in_place(std::string_view(static_cast<const char*>(buffer), size), "jpeg");
}

// Decoded in full, upright, transparency put on white, encoded with the ICC profile as the only
// metadata.
Result<PublishedCopy> reencode(std::string_view bytes, const std::string& format) {
  VipsImage* raw =
      vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access", VIPS_ACCESS_SEQUENTIAL,
                                 "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (raw == nullptr)
    return decode_error(fmt::format("the {} image could not be read (damaged file)", format));
  ImagePtr image(raw);
  // libvips 8.14's HEIF loader frees the ICC profile it attached together with the loader:
  // once the decoded picture outlives it, the profile is freed memory (AddressSanitizer). The
  // picture gets its own copy before anything else.
  std::string icc;
  const void* data = nullptr;
  std::size_t size = 0;
  if (vips_image_get_typeof(raw, VIPS_META_ICC_NAME) &&
      vips_image_get_blob(raw, VIPS_META_ICC_NAME, &data, &size) == 0) {
    icc.assign(static_cast<const char*>(data), size);
    vips_image_set_blob_copy(raw, VIPS_META_ICC_NAME, icc.data(), icc.size());
  }
  // Every pixel now: a damaged or truncated file fails here, and turning the picture needs
  // random access.
  VipsImage* decoded = vips_image_copy_memory(image.get());
  if (decoded == nullptr)
    return decode_error(
        fmt::format("the {} image could not be decoded (damaged or truncated file)", format));
  image.reset(decoded);
  VipsImage* upright = nullptr;
  if (vips_autorot(image.get(), &upright, nullptr) != 0)
    return decode_error("the image could not be turned upright");
  image.reset(upright);
  auto narrowed = eight_bit(std::move(image));
  if (!narrowed)
    return narrowed.error();
  image = std::move(narrowed->image);
  if (!narrowed->profile_applies)
    icc.clear();
  if (auto flat = flatten_on_white(image); !flat)
    return flat.error();
  // jpegsave's strip would drop the ICC profile too: every field is removed instead (EXIF,
  // XMP, IPTC, the loaders' own such as heif-mime-*), on a copy of the header, and the profile
  // put back.
  VipsImage* bare = nullptr;
  if (vips_copy(image.get(), &bare, nullptr) != 0)
    return decode_error("the image could not be copied");
  image.reset(bare);
  if (gchar** fields = vips_image_get_fields(image.get())) {
    for (gchar** field = fields; *field != nullptr; ++field)
      vips_image_remove(image.get(), *field);
    g_strfreev(fields);
  }
  if (!icc.empty())
    vips_image_set_blob_copy(image.get(), VIPS_META_ICC_NAME, icc.data(), icc.size());
  auto copy = encode_checked(image.get());
  if (!copy && copy.error().kind == ErrorKind::unsupported &&
      vips_image_remove(image.get(), VIPS_META_ICC_NAME)) {
    // A profile exiv2 refuses (its size field contradicts its length, say) cannot be checked:
    // the photo goes without it, its colours read as sRGB.
    log()->info("ICC profile dropped from the re-encoded photo reason=\"{}\"",
                copy.error().message);
    copy = encode_checked(image.get());
  }
  if (!copy)
    return copy.error().kind == ErrorKind::unsupported
               ? permanent(fmt::format("the re-encoded photo could not be checked: {}",
                                       copy.error().message))
               : copy.error();
  return PublishedCopy{std::move(*copy), "image/jpeg", true};
}

const char* content_type_of(const std::string& format) {
  if (format == "jpeg")
    return "image/jpeg";
  if (format == "png")
    return "image/png";
  return "image/webp";
}

}  // namespace

Result<PublishedCopy> published_copy(std::string_view bytes, std::string_view content_type,
                                     const ImageLimits& limits) {
  if (!image_detail::start_library())
    return image_detail::not_started();
  start_exiv2();
  auto header = image_detail::open_header(bytes, limits);
  if (!header)
    return header.error();
  const std::string format = header->info.format;
  header->image.reset();
  if (format == "jpeg" || format == "png" || format == "webp") {
    if (content_type != content_type_of(format))
      log()->debug("declared type differs from the file declared=\"{}\" file={}", content_type,
                   content_type_of(format));
    auto copy = rebuild_in_place(bytes, format);
    if (copy)
      return PublishedCopy{std::move(*copy), content_type_of(format), false};
    if (copy.error().kind != ErrorKind::unsupported)
      return copy.error();
    log()->info("photo re-encoded to remove its metadata format={} reason=\"{}\"", format,
                copy.error().message);
  }
  return reencode(bytes, format);
}

}  // namespace relais::workflow
