// The three containers whose compressed pixels a published copy keeps byte for byte, rebuilt
// from an allow-list of their parts with a fresh EXIF block (published_copy.cpp makes it):
// JPEG segments, PNG chunks, WebP (RIFF) chunks. Internal to published_copy.cpp; a header of
// its own so that the byte-level parsing can be read, and fuzzed, apart from exiv2 and libvips.
#pragma once

#include <string>
#include <string_view>

#include "workflow/result.hpp"

namespace relais::workflow::container_detail {

// Each returns the rebuilt file, or invalid_input (an English sentence) for a truncated or
// damaged file. `exif` is a TIFF-structured EXIF block, or empty for none.

// SOI, the JFIF header (its optional thumbnail dropped), the new EXIF, every ICC_PROFILE
// segment, Adobe's colour transform flag, then the coding segments and the scans up to EOI.
Result<std::string> rebuild_jpeg(std::string_view in, const std::string& exif);
// The chunks that say how to decode and show the pixels, the new EXIF in an eXIf chunk.
Result<std::string> rebuild_png(std::string_view in, const std::string& exif);
// The bitstream chunks, VP8X and ICCP, the new EXIF at the end, VP8X's flags updated.
Result<std::string> rebuild_webp(std::string_view in, const std::string& exif);

}  // namespace relais::workflow::container_detail
