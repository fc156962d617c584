// The takedown form's rate-limit rows on a real SQLite file: hits counted per key over a
// window, the window's lower edge included, pruning only what is older, keys kept apart.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "workflow/store.hpp"

using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint kNow = TimePoint(1'790'000'000'000ms);

struct FormsDb {
  fs::path dir = fs::temp_directory_path() / ("relais-forms-" + std::to_string(::getpid()));
  std::optional<Store> store;
  FormsDb() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    store.emplace(dir / "relais.db", Database::Mode::read_write);
    store->migrate();
  }
  ~FormsDb() {
    store.reset();
    fs::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("form hits are counted per key within the window") {
  FormsDb db;
  Store& s = *db.store;
  s.begin();
  CHECK(s.count_form_hits("email:a", kNow - 24h) == 0);
  s.add_form_hit("email:a", kNow - 25h);
  s.add_form_hit("email:a", kNow - 24h);
  s.add_form_hit("email:a", kNow - 1h);
  s.add_form_hit("email:a", kNow);
  s.add_form_hit("ip:127.0.0.1", kNow);
  s.commit();
  CHECK(s.count_form_hits("email:a", kNow - 24h) == 3);  // the window's edge counts
  CHECK(s.count_form_hits("email:a", kNow - 2h) == 2);
  CHECK(s.count_form_hits("email:a", kNow + 1ms) == 0);
  CHECK(s.count_form_hits("ip:127.0.0.1", kNow - 24h) == 1);
  CHECK(s.count_form_hits("email:b", kNow - 24h) == 0);
  CHECK(s.count_form_hits("EMAIL:A", kNow - 24h) == 0);  // keys are compared exactly
}

TEST_CASE("pruning forgets only the hits older than the bound") {
  FormsDb db;
  Store& s = *db.store;
  s.begin();
  s.add_form_hit("k", kNow - 48h);
  s.add_form_hit("k", kNow - 24h);
  s.add_form_hit("k", kNow);
  s.prune_form_hits(kNow - 24h);
  s.commit();
  CHECK(s.count_form_hits("k", kNow - 100h) == 2);
  s.begin();
  s.prune_form_hits(kNow + 1ms);
  s.commit();
  CHECK(s.count_form_hits("k", kNow - 100h) == 0);
}
