// bench_check: the whole check of one 12-megapixel camera JPEG, as the daemon's worker pool runs
// it: decode (shrink-on-load), sharpness, exposure, faces, perceptual hashes, a 320 px
// thumbnail, then every rule of run_checks with the real word lists. Prints the median and
// worst time of one check on one thread, the process's peak memory, and the throughput with
// both cores busy (two threads, as relaisd's pool). Exits 1 if the sample cannot be read.
#include <sys/resource.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/camera_jpeg.hpp"
#include "workflow/checks.hpp"
#include "workflow/image_analysis.hpp"
#include "workflow/lexicon.hpp"

using namespace relais::workflow;

namespace {

constexpr int kRuns = 30;
constexpr auto kThroughputTime = std::chrono::seconds(10);

long peak_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// One full check; false if anything failed.
bool check_once(const std::string& jpeg, const FaceDetector& faces, const CheckPolicy& policy) {
  auto analysis = analyse_image(jpeg, ImageLimits{}, AnalysisOptions{&faces, 320});
  if (!analysis || analysis->thumbnail.empty())
    return false;
  CheckInput in;
  in.text =
      "Samedi, la fête de quartier a réuni 300 habitants place du marché, en présence "
      "des élus et des associations du quartier.";
  in.author = "Jeanne Martin";
  in.declaration.people = "Léa Dupont";
  in.declaration.consent = "formulaire signé joint";
  in.media.push_back({"IMG_0042.jpg", "image/jpeg", static_cast<std::int64_t>(jpeg.size()), "",
                      std::move(*analysis)});
  in.media.push_back({"autorisation.pdf", "application/pdf", 1000});
  in.channel_types = {"site", "x", "facebook", "linkedin", "mastodon"};
  run_checks(in, policy);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string sample =
      argc > 1 ? argv[1] : "/usr/share/doc/opencv-doc/opencv4/html/230501201_1.jpg";
  const std::string lexicons = argc > 2 ? argv[2] : "etc/lexicons";
  init_image_library();
  const std::string jpeg = relais::bench::camera_jpeg(sample);
  auto faces = FaceDetector::open(FaceDetector::kDefaultCascade);
  auto lists = load_lexicons(lexicons);
  if (jpeg.empty() || !faces || !lists) {
    std::fprintf(stderr, "bench_check: cannot read %s, the face cascade or %s\n", sample.c_str(),
                 lexicons.c_str());
    return 1;
  }
  CheckPolicy policy;
  policy.lexicons = std::move(*lists);
  const auto info = probe_image(jpeg, ImageLimits{});
  fmt::print("input: {} x {} JPEG, {:.1f} MiB; {} word lists\n", info->width, info->height,
             jpeg.size() / 1048576.0, policy.lexicons.size());
  const long before = peak_kib();

  bool ok = check_once(jpeg, *faces, policy);  // warm-up: loaders, cascade, page faults
  std::vector<double> ms;
  for (int i = 0; i < kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ok = check_once(jpeg, *faces, policy) && ok;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  fmt::print(
      "one check, one thread:  median {:6.1f} ms   p90 {:6.1f} ms   worst {:6.1f} ms  ({} runs)\n",
      ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back(), kRuns);
  fmt::print("peak memory: {:.1f} MiB for the process ({:.1f} MiB above the input and libraries)\n",
             peak_kib() / 1024.0, (peak_kib() - before) / 1024.0);

  std::atomic<int> done{0};
  std::atomic<bool> all_ok{true};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (std::chrono::steady_clock::now() - start < kThroughputTime) {
        if (!check_once(jpeg, *faces, policy))
          all_ok = false;
        ++done;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("two threads: {} checks in {:.1f} s = {:.1f} photos/s; peak memory {:.1f} MiB\n",
             done.load(), seconds, done.load() / seconds, peak_kib() / 1024.0);
  return ok && all_ok ? 0 : 1;
}
