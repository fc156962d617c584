// The perceptual hash arithmetic: area resampling, orthonormal DCT-II, mirror, median bits.
// Inputs of the wrong size are bugs and throw std::invalid_argument; nothing here allocates
// more than a few 32 x 32 planes beyond its input.
#include "workflow/perceptual_hash.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace relais::workflow {

namespace {

void require_plane(const GreyPlane& p) {
  if (p.width <= 0 || p.height <= 0 ||
      p.pixels.size() != static_cast<std::size_t>(p.width) * static_cast<std::size_t>(p.height))
    throw std::invalid_argument("grey plane size does not match its pixels");
}

// weights[o * in + i]: the share of output sample o taken from input sample i, when `in`
// samples are spread over `out` (each output covers in / out input samples).
std::vector<double> area_weights(int in, int out) {
  std::vector<double> w(static_cast<std::size_t>(in) * static_cast<std::size_t>(out), 0.0);
  const double span = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double a = o * span;
    const double b = (o + 1) * span;
    const int first = static_cast<int>(std::floor(a));
    const int last = std::min(in - 1, static_cast<int>(std::ceil(b)) - 1);
    for (int i = first; i <= last; ++i) {
      const double covered = std::min<double>(i + 1, b) - std::max<double>(i, a);
      if (covered > 0)
        w[static_cast<std::size_t>(o) * in + i] = covered / span;
    }
  }
  return w;
}

}  // namespace

GreyPlane resample_area(const GreyPlane& in, int out_width, int out_height) {
  require_plane(in);
  if (out_width <= 0 || out_height <= 0)
    throw std::invalid_argument("resample to an empty plane");
  const auto wx = area_weights(in.width, out_width);
  const auto wy = area_weights(in.height, out_height);

  // Horizontally first (in.height rows of out_width), then vertically.
  std::vector<double> rows(static_cast<std::size_t>(in.height) * out_width, 0.0);
  for (int y = 0; y < in.height; ++y) {
    const double* src = &in.pixels[static_cast<std::size_t>(y) * in.width];
    for (int ox = 0; ox < out_width; ++ox) {
      const double* w = &wx[static_cast<std::size_t>(ox) * in.width];
      double sum = 0;
      for (int x = 0; x < in.width; ++x)
        sum += w[x] * src[x];
      rows[static_cast<std::size_t>(y) * out_width + ox] = sum;
    }
  }
  GreyPlane out{out_width, out_height,
                std::vector<double>(static_cast<std::size_t>(out_width) * out_height, 0.0)};
  for (int oy = 0; oy < out_height; ++oy) {
    const double* w = &wy[static_cast<std::size_t>(oy) * in.height];
    for (int y = 0; y < in.height; ++y) {
      if (w[y] == 0)
        continue;
      for (int ox = 0; ox < out_width; ++ox)
        out.pixels[static_cast<std::size_t>(oy) * out_width + ox] +=
            w[y] * rows[static_cast<std::size_t>(y) * out_width + ox];
    }
  }
  return out;
}

std::vector<double> dct_2d(std::span<const double> plane, int n) {
  if (n <= 0 || plane.size() != static_cast<std::size_t>(n) * static_cast<std::size_t>(n))
    throw std::invalid_argument("DCT of a plane that is not n x n");
  const auto un = static_cast<std::size_t>(n);
  // basis[k * n + x] = s(k) cos(pi (2x + 1) k / 2n), with s making the transform orthonormal.
  std::vector<double> basis(un * un);
  for (int k = 0; k < n; ++k) {
    const double s = std::sqrt((k == 0 ? 1.0 : 2.0) / n);
    for (int x = 0; x < n; ++x)
      basis[k * un + x] = s * std::cos(std::numbers::pi * (2 * x + 1) * k / (2.0 * n));
  }
  // Along each row (horizontal frequencies), then along each column (vertical ones).
  std::vector<double> tmp(un * un, 0.0);
  for (std::size_t y = 0; y < un; ++y)
    for (std::size_t v = 0; v < un; ++v) {
      double sum = 0;
      for (std::size_t x = 0; x < un; ++x)
        sum += basis[v * un + x] * plane[y * un + x];
      tmp[y * un + v] = sum;
    }
  std::vector<double> out(un * un, 0.0);
  for (std::size_t u = 0; u < un; ++u)
    for (std::size_t v = 0; v < un; ++v) {
      double sum = 0;
      for (std::size_t y = 0; y < un; ++y)
        sum += basis[u * un + y] * tmp[y * un + v];
      out[u * un + v] = sum;
    }
  return out;
}

GreyPlane mirror(const GreyPlane& in) {
  require_plane(in);
  GreyPlane out = in;
  for (int y = 0; y < in.height; ++y) {
    auto row = out.pixels.begin() + static_cast<std::ptrdiff_t>(y) * in.width;
    std::reverse(row, row + in.width);
  }
  return out;
}

std::uint64_t phash_of_plane(const GreyPlane& plane_32) {
  require_plane(plane_32);
  if (plane_32.width != phash_side || plane_32.height != phash_side)
    throw std::invalid_argument("perceptual hash of a plane that is not 32 x 32");
  const auto coeffs = dct_2d(plane_32.pixels, phash_side);

  // Rounding leaves AC terms of about 1e-15 times the DC in a flat picture; snapped to zero,
  // a flat picture of any brightness hashes to 0 instead of to the noise of the arithmetic.
  const double noise = 1e-9 * std::max(1.0, std::abs(coeffs[0]));
  auto at = [&](int u, int v) {
    const double c = coeffs[static_cast<std::size_t>(u) * phash_side + v];
    return std::abs(c) < noise ? 0.0 : c;
  };
  std::array<double, phash_kept * phash_kept - 1> ac{};
  std::size_t count = 0;
  for (int u = 0; u < phash_kept; ++u)
    for (int v = 0; v < phash_kept; ++v)
      if (u != 0 || v != 0)
        ac[count++] = at(u, v);
  // 63 values: the median is the 32nd smallest, so (without ties) 31 bits are set.
  auto sorted = ac;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];

  std::uint64_t hash = 0;
  for (int u = 0; u < phash_kept; ++u)
    for (int v = 0; v < phash_kept; ++v) {
      if (u == 0 && v == 0)
        continue;
      if (at(u, v) > median)
        hash |= std::uint64_t{1} << (u * phash_kept + v);
    }
  return hash;
}

}  // namespace relais::workflow
