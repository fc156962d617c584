// The hashes kept for every accepted image: a 64-bit perceptual hash (DCT pHash) of the picture
// and of its mirror image, with its size. Two pictures are "the same photo" when the Hamming
// distance between their hashes is small (takedown.match_distance); computing them is
// image_pipeline.hpp's job, comparing them is this file's.
#pragma once

#include <bit>
#include <cstdint>

namespace relais::workflow {

struct ImageHashes {
  std::uint64_t phash = 0;
  std::uint64_t phash_mirror = 0;  // of the left-right mirrored picture
  int width = 0;                   // after EXIF orientation
  int height = 0;
  bool operator==(const ImageHashes&) const = default;
};

inline int hamming_distance(std::uint64_t a, std::uint64_t b) {
  return std::popcount(a ^ b);
}

// The smallest distance between `probe` and `known`, the mirror image included (a requester's
// screenshot of a mirrored repost still matches).
inline int image_distance(const ImageHashes& probe, const ImageHashes& known) {
  const int direct = hamming_distance(probe.phash, known.phash);
  const int mirrored = hamming_distance(probe.phash, known.phash_mirror);
  return direct < mirrored ? direct : mirrored;
}

// SQLite keeps 64-bit integers signed: the bits go in and come back unchanged.
inline std::int64_t to_stored(std::uint64_t h) {
  return static_cast<std::int64_t>(h);
}
inline std::uint64_t from_stored(std::int64_t v) {
  return static_cast<std::uint64_t>(v);
}

}  // namespace relais::workflow
