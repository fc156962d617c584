// The copy of an accepted photo that relais publishes: no GPS position, camera serial number,
// owner, maker notes, EXIF thumbnail, XMP, IPTC or comment leaves the house, while the ICC
// profile (colours), the orientation, the dates and the author's credit (Artist, Copyright) stay.
//
// JPEG, PNG and WebP keep their compressed pixels byte for byte (no quality lost): exiv2 reads
// the EXIF, and the file is rebuilt from the parts on an allow-list, with a fresh EXIF block
// encoded by exiv2 from the kept fields alone. exiv2's own writer is not used for the files
// because it keeps what it does not know: other APPn segments (MPF second pictures, vendor
// data, Photoshop resources), data after the end of the JPEG (motion-photo videos) and, in
// PNG, it writes EXIF as a text chunk no browser reads, which would lose the orientation.
// Anything else (HEIF/HEIC, GIF, TIFF), or a file exiv2 cannot read, is decoded by libvips,
// turned upright and encoded as JPEG (quality 92) with its ICC profile and nothing else.
// Every copy is read back with exiv2 before it is returned.
#pragma once

#include <string>
#include <string_view>

#include "workflow/image_pipeline.hpp"
#include "workflow/result.hpp"

namespace relais::workflow {

struct PublishedCopy {
  std::string bytes;
  std::string content_type;  // of the copy: "image/jpeg", "image/png" or "image/webp"
  bool reencoded = false;    // pixels decoded and encoded again (HEIC, GIF, TIFF...)
};

// Returns the bytes to publish for an accepted photo. `content_type` is the type the sender
// declared; the bytes decide, and a copy whose type differs says so in its content_type.
// invalid_input (an English sentence) for bytes that are not a readable image in a supported
// format, a damaged or truncated file, or one over the limits.
Result<PublishedCopy> published_copy(std::string_view bytes, std::string_view content_type,
                                     const ImageLimits& limits = {});

}  // namespace relais::workflow
