// bench_phash: how long hashing and thumbnailing a 12-megapixel camera JPEG takes. Builds the
// JPEG once in memory (a sample photo enlarged to 4000 x 3000 with grain, quality 90), then
// times hash_image and make_thumbnail(320). Exits 1 if the sample photo cannot be read.
#include <vips/vips.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bench/camera_jpeg.hpp"
#include "workflow/image_pipeline.hpp"

using namespace relais::workflow;

namespace {

constexpr int runs = 30;

template <class F>
void time_it(const char* what, F&& f) {
  f();  // warm-up: first use of the loader, page faults
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  fmt::print("{:<28} median {:7.1f} ms   worst {:7.1f} ms   ({} runs)\n", what, ms[ms.size() / 2],
             ms.back(), runs);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string sample =
      argc > 1 ? argv[1] : "/usr/share/doc/opencv-doc/examples/data/fruits.jpg";
  init_image_library();
  const std::string jpeg = relais::bench::camera_jpeg(sample);
  if (jpeg.empty()) {
    std::fprintf(stderr, "bench_phash: cannot read %s\n", sample.c_str());
    return 1;
  }
  const auto info = probe_image(jpeg, ImageLimits{});
  fmt::print("input: {} x {} JPEG, {:.1f} MiB\n", info->width, info->height,
             jpeg.size() / 1048576.0);
  bool ok = true;
  time_it("hash_image", [&] { ok = hash_image(jpeg, ImageLimits{}).ok() && ok; });
  std::size_t thumb_size = 0;
  time_it("make_thumbnail(320)", [&] {
    auto t = make_thumbnail(jpeg, 320, ImageLimits{});
    ok = t.ok() && ok;
    thumb_size = t.ok() ? t->size() : 0;
  });
  // For comparison: decoding every pixel, which shrink-on-load avoids.
  time_it("full decode (reference)", [&] {
    VipsImage* full = vips_image_new_from_buffer(jpeg.data(), jpeg.size(), "", "access",
                                                 VIPS_ACCESS_SEQUENTIAL, nullptr);
    double mean = 0;
    ok = full != nullptr && vips_avg(full, &mean, nullptr) == 0 && ok;
    if (full != nullptr)
      g_object_unref(full);
  });
  fmt::print("thumbnail: {} bytes\n", thumb_size);
  return ok ? 0 : 1;
}
