// The wall clock: the system's, or a test's file ("@<epoch seconds>") that relais starts from
// and goes on from, starting again at each change; a file it cannot read leaves it as it was.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "workflow/request.hpp"
#include "workflow/wall_clock.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

void write_clock(const fs::path& file, const std::string& text) {
  const auto tmp = fs::path(file.string() + ".new");
  std::ofstream(tmp) << text;
  fs::rename(tmp, file);
}

std::int64_t seconds_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

struct ClockFile {
  fs::path path = fs::temp_directory_path() /
                  ("relais-clock-" +
                   std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  ~ClockFile() {
    use_clock_file("");
    std::error_code ec;
    fs::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("without a clock file, the system's clock") {
  const auto before = std::chrono::system_clock::now();
  const auto now = wall_now();
  CHECK(now >= before);
  CHECK(now - before < 1s);
}

TEST_CASE("a clock file: starts at its second, goes on, starts again when it changes") {
  ClockFile file;
  write_clock(file.path, "@1779476400\n");  // Friday 22 May 2026, 21:00 in Paris
  use_clock_file(file.path.string());
  const auto first = wall_now();
  CHECK(seconds_of(first) == 1779476400);
  std::this_thread::sleep_for(30ms);
  const auto later = wall_now();
  CHECK(later - first >= 30ms);
  CHECK(later - first < 2s);
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(now_ms().time_since_epoch()).count() ==
        1779476400);

  write_clock(file.path, "@1779777000\n");  // Tuesday 26 May, 08:30
  std::this_thread::sleep_for(20ms);        // looked at every 10 ms at most
  CHECK(seconds_of(wall_now()) == 1779777000);

  SUBCASE("a file that cannot be read leaves the clock where it was") {
    for (const char* bad :
         {"", "1779777000", "@", "@12x", "@99999999999999999999999", "tomorrow"}) {
      CAPTURE(bad);
      write_clock(file.path, bad);
      std::this_thread::sleep_for(20ms);
      const auto s = seconds_of(wall_now());
      CHECK(s >= 1779777000);
      CHECK(s < 1779777000 + 10);
    }
    fs::remove(file.path);
    std::this_thread::sleep_for(20ms);
    CHECK(seconds_of(wall_now()) < 1779777000 + 10);
  }
  SUBCASE("back to the system's clock") {
    use_clock_file("");
    CHECK(wall_now() - std::chrono::system_clock::now() < 1s);
  }
}
