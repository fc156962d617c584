#include "workflow/wall_clock.hpp"

#include <sys/stat.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace relais::workflow {
namespace {

using std::chrono::steady_clock;
using std::chrono::system_clock;

// A test clock file is looked at no more often than this: a stat() per reading of the clock
// would be wasted, and a test moves the clock seconds apart.
constexpr auto kLookEvery = std::chrono::milliseconds(10);

struct FileClock {
  std::string path;
  std::mutex mutex;
  steady_clock::time_point looked{};
  struct stat seen {};
  bool started = false;
  system_clock::time_point start;     // the second the file gives
  steady_clock::time_point start_at;  // when it was read
};

FileClock g_file;
std::atomic<bool> g_from_file{false};

std::optional<system_clock::time_point> parse(const std::string& text) {
  std::string_view s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.remove_suffix(1);
  if (s.size() < 2 || s.front() != '@')
    return std::nullopt;
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), seconds);
  if (ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return system_clock::time_point(std::chrono::seconds(seconds));
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

void look(FileClock& c, steady_clock::time_point now) {
  struct stat st {};
  if (::stat(c.path.c_str(), &st) != 0 || (c.started && same_file(st, c.seen)))
    return;
  std::ifstream in(c.path);
  std::stringstream text;
  text << in.rdbuf();
  // A file being written is read again at the next look; a time that cannot be read leaves
  // the clock where it was.
  if (const auto at = parse(text.str())) {
    c.seen = st;
    c.started = true;
    c.start = *at;
    c.start_at = now;
  }
}

}  // namespace

system_clock::time_point wall_now() {
  if (!g_from_file.load(std::memory_order_acquire))
    return system_clock::now();
  FileClock& c = g_file;
  std::lock_guard lock(c.mutex);
  const auto now = steady_clock::now();
  if (!c.started || now - c.looked >= kLookEvery) {
    c.looked = now;
    look(c, now);
  }
  if (!c.started)
    return system_clock::now();
  return c.start + std::chrono::duration_cast<system_clock::duration>(now - c.start_at);
}

void use_clock_file(const std::string& path) {
  {
    std::lock_guard lock(g_file.mutex);
    g_file.path = path;
    g_file.started = false;
  }
  g_from_file.store(!path.empty(), std::memory_order_release);
}

std::string use_clock_file_from_environment() {
  const char* path = std::getenv("RELAIS_CLOCK_FILE");
  if (path == nullptr || *path == '\0')
    return {};
  use_clock_file(path);
  return path;
}

}  // namespace relais::workflow
