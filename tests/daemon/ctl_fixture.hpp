// A temporary store with three requests published on `site`, the embedded default config
// pointed at it, and relaisctl run in-process: the fixture of the relaisctl tests that act.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/config/config.hpp"
#include "daemon/ctl_commands.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/engine.hpp"
#include "workflow/store.hpp"

namespace relais::daemon::test {
using namespace relais::workflow;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline const TimePoint kNow = TimePoint(1'790'000'000'000ms);  // 2026-09-21T14:13:20Z

struct Run {
  int code = -1;
  std::string out, err;
};

inline bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// A temporary state directory with the embedded default configuration pointing at it, and
// relaisctl run in-process at `now`.
struct CtlConfigFixture {
  fs::path dir;
  Config config;
  CtlOptions opts;

  explicit CtlConfigFixture(TimePoint now = kNow) {
    static int counter = 0;
    dir = fs::temp_directory_path() / fmt::format("relais-ctl-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto loaded = load_config_string(embedded_default_config(), embedded_default_name);
    REQUIRE(std::holds_alternative<Config>(loaded));
    config = std::get<Config>(loaded);
    config.general.state_dir = dir.string();
    opts.actor = "cli:test";
    opts.now = now;
    set_local_zone(config.general.timezone);
  }
  ~CtlConfigFixture() { fs::remove_all(dir); }
  CtlConfigFixture(const CtlConfigFixture&) = delete;
  CtlConfigFixture& operator=(const CtlConfigFixture&) = delete;

  fs::path db() const { return dir / "relais.db"; }

  // A request run through the checks with `findings`: awaiting approval, or waiting for
  // changes when one is blocking.
  static std::int64_t add_checked(Store& store, Engine& engine, std::string subject,
                                  std::vector<Finding> findings) {
    Request draft;
    draft.sender = "agent@example.org";
    draft.sender_name = "Agent Dupont";
    draft.subject = std::move(subject);
    draft.text = "La médiathèque ouvre ses portes.\nVenez nombreux.";
    draft.author = "Photo: A. Dupont";
    auto r = engine.create(store, draft, checked_event(EventKind::submitted));
    REQUIRE(engine.handle(store, r.id, checked_event(EventKind::checks_started)).applied);
    auto done = checked_event(EventKind::checks_done);
    done.findings = std::move(findings);
    REQUIRE(engine.handle(store, r.id, done).applied);
    return r.id;
  }

  static Event checked_event(EventKind k) {
    Event e;
    e.kind = k;
    e.at = kNow - std::chrono::hours(1);
    e.actor = "test";
    e.source = "unit";
    return e;
  }

  Request load(std::int64_t id) const {
    Store store(db(), Database::Mode::read_only);
    return *store.load_request(id);
  }

  Run run(CtlArgs args) {
    std::ostringstream out, err;
    Run r;
    r.code = run_ctl(config, args, opts, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }
};

// Three requests published on `site`.
struct CtlStoreFixture : CtlConfigFixture {
  std::int64_t first = 0, second = 0, third = 0;

  CtlStoreFixture() {
    Store store(dir / "relais.db", Database::Mode::read_write);
    store.migrate();
    Engine engine(make_policy(config));
    store.begin();
    first = published(store, engine);
    second = published(store, engine);
    third = published(store, engine);
    store.commit();
  }

  static Event event(EventKind k) {
    Event e;
    e.kind = k;
    e.at = kNow - 24h;
    e.actor = "test";
    e.source = "unit";
    e.channel = "site";
    e.post_id = "p";
    e.post_url = "https://site.example/index.html#x";
    return e;
  }

  static std::int64_t published(Store& store, Engine& engine) {
    Request d;
    d.sender = "agent@example.org";
    d.subject = "Fête de quartier";
    d.text = "Une fête de quartier réussie.";
    const auto id = engine.create(store, d, event(EventKind::submitted)).id;
    for (auto k : {EventKind::checks_started, EventKind::checks_done, EventKind::approve,
                   EventKind::publish_due, EventKind::channel_published}) {
      REQUIRE(engine.handle(store, id, event(k)).applied);
    }
    return id;
  }

  std::unique_ptr<Store> store() {
    return std::make_unique<Store>(dir / "relais.db", Database::Mode::read_only);
  }

  std::int64_t count(const char* table) {
    auto s = store();
    auto q = s->db().prepare(fmt::format("SELECT count(*) FROM {}", table));
    q.step();
    return q.int64(0);
  }

  fs::path file(const std::string& name, const std::string& bytes) {
    const auto p = dir / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

}  // namespace relais::daemon::test
