// The arithmetic of the 64-bit perceptual hash (DCT pHash), on plain arrays of grey levels:
// area resampling to 32 x 32, the 2-D DCT-II, the left-right mirror and the median test.
// Pure functions with no image library; sizes that do not match are bugs (std::invalid_argument).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace relais::workflow {

// The hash looks at a 32 x 32 grey picture and keeps its 8 x 8 lowest frequencies.
inline constexpr int phash_side = 32;
inline constexpr int phash_kept = 8;

// A grey picture, row-major, one double per pixel (any scale: the hash only compares).
struct GreyPlane {
  int width = 0;
  int height = 0;
  std::vector<double> pixels;  // width * height values
};

// Resamples to out_width x out_height by area averaging: every output pixel is the mean of the
// source area it covers, with fractional pixels weighted by their covered fraction. This is the
// box filter that a downsample needs against aliasing; it also enlarges (then it is blocky).
GreyPlane resample_area(const GreyPlane& in, int out_width, int out_height);

// Orthonormal 2-D DCT-II of an n x n row-major plane (rows then columns), so that the energy
// (sum of squares) is kept: out[u * n + v] is the coefficient of vertical frequency u and
// horizontal frequency v, out[0] the DC term (n times the mean).
std::vector<double> dct_2d(std::span<const double> plane, int n);

// The plane flipped left to right.
GreyPlane mirror(const GreyPlane& in);

// The hash of a 32 x 32 plane. Bit u * 8 + v (u, v < 8) is set when DCT coefficient (u, v) is
// above the median of the 63 AC coefficients of that 8 x 8 block. The DC term (bit 0, always
// clear) is left out on purpose: it is only the mean brightness, which a brighter copy changes
// and which says nothing about the picture's layout; it is also far larger than every AC
// term, so its bit would be set for every picture and only shift the median.
std::uint64_t phash_of_plane(const GreyPlane& plane_32);

}  // namespace relais::workflow
