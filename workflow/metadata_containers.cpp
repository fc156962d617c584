// See metadata_containers.hpp. Every length read from the file is checked against what is left
// of it before it is used: the files come from outside.
#include "workflow/metadata_containers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace relais::workflow::container_detail {
namespace {

unsigned byte_at(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

std::uint32_t be16(std::string_view s, std::size_t i) {
  return (byte_at(s, i) << 8) | byte_at(s, i + 1);
}

std::uint32_t be32(std::string_view s, std::size_t i) {
  return (be16(s, i) << 16) | be16(s, i + 2);
}

std::uint32_t le32(std::string_view s, std::size_t i) {
  return byte_at(s, i) | (byte_at(s, i + 1) << 8) | (byte_at(s, i + 2) << 16) |
         (static_cast<std::uint32_t>(byte_at(s, i + 3)) << 24);
}

void put_be(std::string& out, std::uint32_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Error truncated(std::string_view format) {
  return invalid_input(fmt::format("the {} file is truncated", format));
}

Error damaged(std::string_view format) {
  return invalid_input(fmt::format("the {} file is damaged", format));
}

}  // namespace

// JPEG: SOI, the JFIF header (its optional thumbnail dropped), the new EXIF, every ICC_PROFILE
// segment as it was, Adobe's colour transform flag, then the coding segments and the scans
// untouched up to EOI. Gone: other APPn (XMP, extended XMP, MPF and the pictures it points to,
// FlashPix, Photoshop resources with IPTC and thumbnails, vendors' data), comments, and
// whatever follows EOI (motion-photo videos, vendors' trailers).
Result<std::string> rebuild_jpeg(std::string_view in, const std::string& exif) {
  constexpr std::string_view kFormat = "JPEG";
  if (in.size() < 4 || byte_at(in, 0) != 0xFF || byte_at(in, 1) != 0xD8)
    return damaged(kFormat);
  std::string out("\xFF\xD8", 2);
  out.reserve(in.size());
  bool exif_written = exif.empty();
  bool frame = false;
  std::size_t pos = 2;
  for (;;) {
    if (pos >= in.size())
      return truncated(kFormat);
    if (byte_at(in, pos) != 0xFF)
      return damaged(kFormat);
    while (pos < in.size() && byte_at(in, pos) == 0xFF)  // fill bytes before a marker
      ++pos;
    if (pos >= in.size())
      return truncated(kFormat);
    const unsigned marker = byte_at(in, pos++);
    if (marker == 0xD9) {
      if (!frame)
        return damaged(kFormat);
      out.append("\xFF\xD9", 2);
      return out;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      out.push_back('\xFF');
      out.push_back(static_cast<char>(marker));
      continue;
    }
    if (pos + 2 > in.size())
      return truncated(kFormat);
    const std::size_t length = be16(in, pos);
    if (length < 2)
      return damaged(kFormat);
    if (pos + length > in.size())
      return truncated(kFormat);
    const std::string_view segment = in.substr(pos - 2, length + 2);
    const std::string_view payload = in.substr(pos + 2, length - 2);
    pos += length;

    const bool jfif = marker == 0xE0 && starts_with(payload, std::string_view("JFIF\0", 5));
    const bool kept =
        (marker == 0xE2 && starts_with(payload, std::string_view("ICC_PROFILE\0", 12))) ||
        (marker == 0xEE && starts_with(payload, "Adobe")) ||     // colour transform flag
        (marker >= 0xC0 && marker <= 0xCF && marker != 0xC8) ||  // SOFn, DHT (C4), DAC (CC)
        marker == 0xDB || marker == 0xDD || marker == 0xDC;      // DQT, DRI, DNL
    const bool dropped =
        !jfif && !kept && ((marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE);  // APPn, COM
    if (!jfif && !dropped && !exif_written) {
      // Right after SOI and JFIF, where readers look for it.
      if (exif.size() + 8 > 0xFFFF)
        return Error{ErrorKind::unsupported, "the kept EXIF does not fit in a JPEG segment"};
      out.append("\xFF\xE1", 2);
      put_be(out, static_cast<std::uint32_t>(exif.size() + 8), 2);
      out.append("Exif\0\0", 6);
      out.append(exif);
      exif_written = true;
    }
    if (jfif && payload.size() >= 14 && (payload[12] != 0 || payload[13] != 0)) {
      out.append("\xFF\xE0\x00\x10", 4);  // without its thumbnail
      out.append(payload.substr(0, 12));
      out.append("\0\0", 2);
      continue;
    }
    if (jfif || kept) {
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xCC)
        frame = true;
      out.append(segment);
      continue;
    }
    if (dropped)
      continue;
    if (marker != 0xDA)  // reserved and JPEG extension markers: nothing a photo uses
      return damaged(kFormat);
    if (!frame)
      return damaged(kFormat);
    out.append(segment);
    // The entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a
    // restart marker.
    const std::size_t start = pos;
    for (;;) {
      pos = in.find('\xFF', pos);
      if (pos == std::string_view::npos || pos + 1 >= in.size())
        return truncated(kFormat);
      const unsigned next = byte_at(in, pos + 1);
      if (next == 0x00 || (next >= 0xD0 && next <= 0xD7))
        pos += 2;
      else if (next == 0xFF)
        ++pos;
      else
        break;
    }
    out.append(in.substr(start, pos - start));
  }
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

// PNG chunks that say how to decode and show the pixels; text (tEXt, zTXt, iTXt, where
// XMP and legacy EXIF live), eXIf, tIME and every private chunk are left out.
constexpr std::array<std::string_view, 19> kKeptPngChunks{
    "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "cHRM", "gAMA", "iCCP", "sBIT", "sRGB",
    "cICP", "mDCv", "cLLi", "bKGD", "hIST", "pHYs", "acTL", "fcTL", "fdAT",
};

// PNG: the kept chunks as they were, the new EXIF in a standard eXIf chunk before the first
// IDAT, nothing after IEND.
Result<std::string> rebuild_png(std::string_view in, const std::string& exif) {
  constexpr std::string_view kFormat = "PNG";
  constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (!starts_with(in, kSignature))
    return damaged(kFormat);
  std::string out(kSignature);
  out.reserve(in.size());
  bool exif_written = exif.empty();
  bool idat = false;
  std::size_t pos = kSignature.size();
  for (bool first = true;; first = false) {
    if (pos + 12 > in.size())
      return truncated(kFormat);
    const std::uint32_t length = be32(in, pos);
    const std::string_view type = in.substr(pos + 4, 4);
    if (length > 0x7FFFFFFFu)
      return damaged(kFormat);
    if (length > in.size() - pos - 12)
      return truncated(kFormat);
    const std::string_view chunk = in.substr(pos, length + 12);
    pos += length + 12;
    if (first != (type == "IHDR"))
      return damaged(kFormat);
    if (type == "IDAT" && !idat) {
      idat = true;
      if (!exif_written) {
        const std::string data = "eXIf" + exif;
        put_be(out, static_cast<std::uint32_t>(exif.size()), 4);
        out.append(data);
        put_be(out, crc32(data), 4);
        exif_written = true;
      }
    }
    if (std::find(kKeptPngChunks.begin(), kKeptPngChunks.end(), type) != kKeptPngChunks.end())
      out.append(chunk);
    else if (!(byte_at(type, 0) & 0x20))  // an unknown critical chunk: no reader could decode it
      return damaged(kFormat);
    if (type == "IEND") {
      if (!idat)
        return damaged(kFormat);
      return out;
    }
  }
}

// WebP (RIFF): the bitstream chunks (VP8, VP8L, ALPH, ANIM, ANMF) and VP8X and ICCP as they
// were, the new EXIF at the end, VP8X's flags saying which of ICC and EXIF remain; XMP and
// unknown chunks left out. A simple WebP (no VP8X) cannot carry metadata and is kept as it is.
Result<std::string> rebuild_webp(std::string_view in, const std::string& exif) {
  constexpr std::string_view kFormat = "WebP";
  if (in.size() < 12 || !starts_with(in, "RIFF") || in.substr(8, 4) != "WEBP")
    return damaged(kFormat);
  const std::uint64_t end = std::uint64_t{le32(in, 4)} + 8;
  if (end > in.size())
    return truncated(kFormat);
  std::string out(in.substr(0, 12));
  out.reserve(in.size());
  std::size_t vp8x = 0;  // offset of VP8X's payload in `out`, 0 if none
  bool icc = false;
  bool picture = false;
  std::size_t pos = 12;
  while (pos < end) {
    if (pos + 8 > end)
      return truncated(kFormat);
    const std::string_view type = in.substr(pos, 4);
    const std::uint32_t size = le32(in, pos + 4);
    if (size > end - pos - 8)
      return truncated(kFormat);
    const std::size_t padded = std::min<std::uint64_t>(size + (size & 1u), end - pos - 8);
    const std::string_view chunk = in.substr(pos, 8 + padded);
    pos += 8 + padded;
    if (type == "VP8X") {
      if (vp8x != 0 || size < 10 || out.size() != 12)
        return damaged(kFormat);
      vp8x = out.size() + 8;
    } else if (type == "ICCP") {
      if (icc)
        continue;
      icc = true;
    } else if (type == "VP8 " || type == "VP8L" || type == "ANMF") {
      picture = true;
    } else if (type != "ALPH" && type != "ANIM") {
      continue;  // EXIF (rewritten below), XMP, unknown chunks
    }
    out.append(chunk);
    if (padded == size && (size & 1u))
      out.push_back('\0');
  }
  if (!picture)
    return damaged(kFormat);
  if (vp8x != 0) {
    if (!exif.empty()) {
      out.append("EXIF");
      put_le32(out, static_cast<std::uint32_t>(exif.size()));
      out.append(exif);
      if (exif.size() & 1u)
        out.push_back('\0');
    }
    // ICC 0x20, EXIF 0x08, XMP 0x04
    unsigned flags = byte_at(out, vp8x) & ~0x2Cu;
    flags |= (icc ? 0x20u : 0u) | (exif.empty() ? 0u : 0x08u);
    out[vp8x] = static_cast<char>(flags);
  }
  std::string riff_size;
  put_le32(riff_size, static_cast<std::uint32_t>(out.size() - 8));
  out.replace(4, 4, riff_size);
  return out;
}

}  // namespace relais::workflow::container_detail
