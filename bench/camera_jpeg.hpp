// A 12-megapixel JPEG like a phone's, made in memory from a sample photo: enlarged to
// 4000 x 3000 with sensor-like grain, quality 90. Shared by the image benchmarks.
#pragma once

#include <vips/vips.h>

#include <fstream>
#include <iterator>
#include <string>

namespace relais::bench {

inline std::string camera_jpeg(const std::string& sample_path) {
  std::ifstream in(sample_path, std::ios::binary);
  const std::string sample{std::istreambuf_iterator<char>(in), {}};
  VipsImage* photo = vips_image_new_from_buffer(sample.data(), sample.size(), "", nullptr);
  if (photo == nullptr)
    return {};
  // An enlarged photo is smooth and compresses far better than a camera's; sensor-like grain
  // brings the file nearer a camera's size, and Huffman decoding time grows with the file.
  VipsImage *big = nullptr, *grain = nullptr, *grainy = nullptr, *pixels = nullptr;
  std::string out;
  if (vips_resize(photo, &big, 4000.0 / photo->Xsize, "vscale", 3000.0 / photo->Ysize, nullptr) ==
          0 &&
      vips_gaussnoise(&grain, 4000, 3000, "sigma", 6.0, "mean", 0.0, nullptr) == 0 &&
      vips_add(big, grain, &grainy, nullptr) == 0 &&
      vips_cast(grainy, &pixels, VIPS_FORMAT_UCHAR, nullptr) == 0) {
    void* buf = nullptr;
    std::size_t size = 0;
    if (vips_jpegsave_buffer(pixels, &buf, &size, "Q", 90, nullptr) == 0)
      out.assign(static_cast<const char*>(buf), size);
    g_free(buf);
  }
  for (VipsImage* i : {photo, big, grain, grainy, pixels})
    if (i != nullptr)
      g_object_unref(i);
  return out;
}

}  // namespace relais::bench
