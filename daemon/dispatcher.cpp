// Failures never lose an effect: a transient error defers the row with backoff; a permanent
// one (or too many attempts) gives the row up and, for a channel, becomes channel_failed so
// that the referent is told. Everything that ends here is logged with the request.
#include "daemon/dispatcher.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>

#include "daemon/mail_job.hpp"
#include "workflow/backoff.hpp"
#include "workflow/checks.hpp"
#include "workflow/consent_forms.hpp"
#include "workflow/declaration.hpp"
#include "workflow/published_copy.hpp"
#include "workflow/transitions.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::daemon {
using namespace workflow;
namespace asio = boost::asio;

namespace {

// relaisctl writes to the store directly (takedown, consent revoke, approve). Its commits are
// seen within kWatch by SQLite's data_version (one pragma, no table read); kPoll is the
// longest wait between two claims whatever happens.
constexpr auto kPoll = std::chrono::milliseconds(500);
constexpr auto kWatch = std::chrono::milliseconds(50);
constexpr auto kLease = std::chrono::minutes(5);
constexpr int kBatch = 16;

// The channels a request's checks are for: those already chosen, else those it would get.
std::vector<std::string> checked_channels(const Request& r, const Policy& p) {
  std::vector<std::string> out;
  for (const auto& c : r.channels)
    out.push_back(c.channel);
  return out.empty() ? wished_channels(r, p) : out;
}

// The people named in the declaration whom a standing consent of the registry covers.
std::vector<std::string> consented_names(Store& store, const Request& r, TimePoint at) {
  std::vector<std::string> out;
  for (const auto& name : read_people(r.declaration).names) {
    for (const auto& person : store.find_persons_by_name(name)) {
      const auto consents = store.list_consents(person.id);
      if (std::any_of(consents.begin(), consents.end(),
                      [&](const ConsentRow& c) { return consent_covers(c, r.id, at); })) {
        out.push_back(name);
        break;
      }
    }
  }
  return out;
}

// The photos go out as published copies (published_copy.hpp): no GPS position nor other
// identifying metadata, HEIC as JPEG. The copy is kept in the media store beside the original.
Result<void> use_published_copies(connectors::Post& post, const BlobStore& media,
                                  const ImageLimits& limits) {
  for (auto& m : post.media) {
    if (!m.content_type.starts_with("image/"))
      continue;
    std::ifstream in(m.path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in)
      return transient("the stored photo could not be read");
    auto copy = published_copy(bytes.str(), m.content_type, limits);
    if (!copy)
      return permanent("the photo could not be prepared for publication: " + copy.error().message);
    auto sha = media.put(copy->bytes);
    if (!sha)
      return sha.error();
    m.path = media.path_of(*sha);
    m.sha256 = *sha;
    m.content_type = copy->content_type;
  }
  return {};
}

}  // namespace

std::string Dispatcher::reference_of(Store& store, const OutboxRow& row) {
  if (!row.request_id)
    return "-";
  auto r = store.load_request(*row.request_id);
  return r ? r->reference : "-";
}

Dispatcher::Dispatcher(Services& s, asio::any_io_executor ex) : s_(s), ex_(ex), alarm_(ex) {}

void Dispatcher::wake() {
  woken_ = true;
  asio::post(ex_, [this] { alarm_.cancel(); });
}

void Dispatcher::stop() {
  stopping_ = true;
  wake();
}

asio::awaitable<void> Dispatcher::run() {
  while (!stopping_) {
    woken_ = false;
    struct Claimed {
      std::vector<OutboxRow> rows;
      std::vector<TimerRow> timers;
      std::vector<CaseTimerRow> case_timers;
      std::optional<TimePoint> next;
    };
    Claimed claimed;
    try {
      auto job0 = [](Store& store) {
        const auto t = workflow::now_ms();
        Claimed c;
        c.timers = store.claim_timers(t, t + kLease, kBatch);
        c.case_timers = store.claim_case_timers(t, t + kLease, kBatch);
        c.rows = store.claim_outbox(t, t + kLease, kBatch);
        c.next = store.next_due();
        return c;
      };
      claimed = co_await s_.writer.run(job0);
    } catch (const std::exception& e) {
      spdlog::error("dispatcher claim failed error=\"{}\"", e.what());
    }
    for (auto& t : claimed.timers)
      co_await fire(t);
    for (auto& t : claimed.case_timers)
      co_await fire_case(t);
    for (auto& row : claimed.rows) {
      // A row whose lease ran out while this process still runs it (a create uploading a long
      // video) is claimed again: it must not run twice at once.
      {
        std::lock_guard lock(running_mutex_);
        if (!running_.insert(row.id).second)
          continue;
      }
      ++in_flight_;
      const auto id = row.id;
      asio::co_spawn(ex_, execute(std::move(row)), [this, id](std::exception_ptr ep) {
        {
          std::lock_guard lock(running_mutex_);
          running_.erase(id);
        }
        --in_flight_;
        if (ep) {
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            spdlog::error("effect crashed error=\"{}\"", e.what());
          }
        }
        wake();
      });
    }
    if (stopping_)
      break;
    if (claimed.rows.size() == kBatch || claimed.timers.size() == kBatch ||
        claimed.case_timers.size() == kBatch)
      continue;
    std::chrono::milliseconds wait = kPoll;
    if (claimed.next) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(*claimed.next - workflow::now_ms());
      wait = std::clamp<std::chrono::milliseconds>(until, std::chrono::milliseconds(0), kPoll);
    }
    if (wait.count() == 0 && claimed.rows.empty() && claimed.timers.empty() &&
        claimed.case_timers.empty()) {
      wait = std::chrono::milliseconds(50);  // leased rows: look again shortly
    }
    if (woken_)
      continue;  // new work arrived while claiming: look again at once
    co_await sleep_until_work(wait);
  }
}

asio::awaitable<void> Dispatcher::sleep_until_work(std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!woken_ && !stopping_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      co_return;
    alarm_.expires_after(std::min(left, kWatch));
    boost::system::error_code ec;
    co_await alarm_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (woken_ || stopping_)
      co_return;
    try {
      auto job = [](Store& store) { return store.data_version(); };
      const auto version = co_await s_.writer.run(job);
      const bool changed = seen_version_ && *seen_version_ != version;
      seen_version_ = version;
      if (changed)
        co_return;  // relaisctl committed something
    } catch (const std::exception& e) {
      spdlog::error("dispatcher watch failed error=\"{}\"", e.what());
      co_return;
    }
  }
}

asio::awaitable<void> Dispatcher::fire(TimerRow timer) {
  try {
    auto job1 = [this, timer](Store& store) {
      Event e;
      e.kind = timer.fires;
      e.at = workflow::now_ms();
      e.actor = "timer";
      e.source = fmt::format("timer:{}", timer.id);
      store.delete_timer(timer.id);
      auto h = s_.engine.handle(store, timer.request_id, e);
      ++(h.applied ? s_.metrics.transitions : s_.metrics.refused_events);
    };
    co_await s_.writer.run(job1);
  } catch (const std::exception& e) {
    spdlog::error("timer failed timer={} error=\"{}\"", timer.id, e.what());
  }
}

asio::awaitable<void> Dispatcher::fire_case(CaseTimerRow timer) {
  try {
    auto job = [this, timer](Store& store) {
      s_.cases.timer_fired(store, timer, workflow::now_ms());
    };
    co_await s_.writer.run(job);
  } catch (const std::exception& e) {
    spdlog::error("case timer failed timer={} error=\"{}\"", timer.id, e.what());
  }
}

asio::awaitable<void> Dispatcher::execute(OutboxRow row) {
  switch (row.kind) {
    case EffectKind::run_checks:
      co_await run_checks(row);
      break;
    case EffectKind::mail:
      co_await send_mail(row);
      break;
    case EffectKind::chat:
      co_await send_chat_row(row);
      break;
    case EffectKind::publish:
    case EffectKind::remove:
      co_await publish_or_remove(row);
      break;
  }
}

bool Dispatcher::retry_or_give_up(Store& store, const OutboxRow& row, const Error& error) {
  const BackoffPolicy policy{std::chrono::seconds(s_.config.outbox.backoff_initial_seconds),
                             std::chrono::seconds(s_.config.outbox.backoff_max_seconds),
                             s_.config.outbox.max_attempts};
  const bool permanent = error.kind != ErrorKind::transient;
  if (permanent || row.attempts >= policy.max_attempts) {
    store.give_up_outbox(row.id, workflow::now_ms(), error.message);
    ++s_.metrics.effects_failed;
    spdlog::error("effect gave up request={} effect={} kind={} attempts={} error=\"{}\"",
                  reference_of(store, row), row.effect_key, to_string(row.kind), row.attempts,
                  error.message);
    return true;
  }
  const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  const auto delay = backoff_delay(policy, row.attempts, jitter, error.retry_after);
  store.defer_outbox(row.id, workflow::now_ms() + delay, error.message);
  ++s_.metrics.effects_retried;
  spdlog::warn(
      "effect deferred request={} effect={} kind={} attempts={} retry_in_ms={} error=\"{}\"",
      reference_of(store, row), row.effect_key, to_string(row.kind), row.attempts, delay.count(),
      error.message);
  return false;
}

asio::awaitable<void> Dispatcher::run_checks(const OutboxRow& row) {
  struct Gathered {
    CheckInput input;
    std::vector<FileToMeasure> files;
  };
  auto job2 = [this, row](Store& store) -> std::optional<Gathered> {
    auto r = store.load_request(*row.request_id);
    if (r && r->state == State::received) {
      Event e;
      e.kind = EventKind::checks_started;
      e.at = workflow::now_ms();
      e.actor = "system";
      e.source = fmt::format("outbox:{}", row.id);
      if (s_.engine.handle(store, r->id, e).applied)
        ++s_.metrics.transitions;
      r = store.load_request(r->id);
    }
    if (!r || r->state != State::checking) {
      store.complete_outbox(row.id, workflow::now_ms());  // the request moved on: nothing to check
      return std::nullopt;
    }
    Gathered g;
    auto& in = g.input;
    in.text = r->text;
    in.author = r->author;
    in.declaration = r->declaration;
    in.overrides = r->overrides;
    in.submitted_at = r->created_at;
    in.now = workflow::now_ms();
    for (const auto& name : checked_channels(*r, s_.engine.policy())) {
      if (const auto* c = find_channel(s_.config, name))
        in.channel_types.push_back(c->type);
    }
    in.consented_names = consented_names(store, *r, in.now);
    for (const auto& m : store.media_of(r->id)) {
      MediaFacts facts{
          m.filename, m.content_type, m.size,
          store.blocking_case(m.sha256, m.hashes, s_.config.takedown.match_distance).value_or("")};
      g.files.push_back({std::move(facts), s_.media.path_of(m.sha256)});
    }
    return g;
  };
  auto gathered = co_await s_.writer.run(job2);
  if (!gathered)
    co_return;
  auto job3 = [this, &gathered] {
    measure_files(gathered->files, s_.checks);
    for (auto& f : gathered->files)
      gathered->input.media.push_back(std::move(f.facts));
    return workflow::run_checks(gathered->input, s_.checks.policy);
  };
  auto findings = co_await on_pool(s_.pool, job3);
  auto job4 = [this, row, &findings](Store& store) {
    Event e;
    e.kind = EventKind::checks_done;
    e.at = workflow::now_ms();
    e.actor = "system";
    e.source = fmt::format("outbox:{}", row.id);
    e.findings = findings;
    auto h = s_.engine.handle(store, *row.request_id, e);
    ++(h.applied ? s_.metrics.transitions : s_.metrics.refused_events);
    if (h.applied) {
      const auto recorded = record_consent_forms(store, *h.request, store.media_of(h.request->id),
                                                 findings, e.at, "system");
      if (recorded.consents_added > 0 || recorded.links_added > 0) {
        spdlog::info("consent forms recorded request={} persons_added={} links={} consents={}",
                     h.request->reference, recorded.persons_added, recorded.links_added,
                     recorded.consents_added);
      }
    }
    store.complete_outbox(row.id, workflow::now_ms());
    spdlog::info("checks done request={} findings={} blocking={}", reference_of(store, row),
                 findings.size(),
                 std::count_if(findings.begin(), findings.end(),
                               [](const Finding& f) { return f.severity == Severity::blocking; }));
  };
  co_await s_.writer.run(job4);
  ++s_.metrics.effects_done;
  wake();
}

// Exactly once on each channel. A create whose answer was lost (Error::outcome_unknown) marks
// the channel `unconfirmed`; a crash between the call and the commit leaves the row to be
// claimed again (attempts > 1). Either way the next try first asks the network for the post
// (Publisher::find) and creates only when there is none. A create may still land after a
// takedown: its row keeps looking, and a post found then is removed at once (remove_late_post).
asio::awaitable<void> Dispatcher::publish_or_remove(const OutboxRow& row) {
  const Effect effect = effect_from_payload(row.kind, row.payload);
  auto it = s_.publishers.find(effect.channel);
  struct Prepared {
    bool go = false;
    bool reconcile = false;  // look for the post before acting
    bool create = false;     // publish: create when none is found
    connectors::Post post;
    connectors::PostRef ref;
  };
  auto job9 = [this, row, effect](Store& store) {
    Prepared p;
    auto r = store.load_request(*row.request_id);
    const ChannelPost* c = r ? r->channel(effect.channel) : nullptr;
    if (!c) {
      store.complete_outbox(row.id, workflow::now_ms());
      return p;
    }
    const bool outstanding =
        c->status == ChannelStatus::pending || c->status == ChannelStatus::unconfirmed;
    const bool retried = row.attempts > 1 || c->status == ChannelStatus::unconfirmed;
    if (row.kind == EffectKind::publish) {
      const bool overtaken =
          c->status == ChannelStatus::removed || c->status == ChannelStatus::removing;
      p.go = outstanding || (overtaken && retried);
      p.reconcile = retried;
      p.create = outstanding;
    } else {
      p.go = c->status == ChannelStatus::removing;
      p.reconcile = c->post_id.empty();  // never confirmed: what is there to remove?
    }
    if (!p.go) {
      store.complete_outbox(row.id, workflow::now_ms());
      return p;
    }
    p.ref = {c->post_id, c->url};
    p.post.idempotency_key = fmt::format("{}:{}", r->id, effect.channel);
    p.post.reference = r->reference;
    p.post.title = r->subject;
    p.post.text = r->text;
    p.post.author = r->author;
    p.post.published_at = workflow::wall_now();
    // No create for it ran before its publication was due; five minutes for the networks'
    // clocks.
    p.post.not_before = r->publish_at.value_or(r->created_at) - std::chrono::minutes(5);
    for (const auto& m : store.media_of(r->id)) {
      if (!is_publishable_media(m.content_type) || is_consent_form(m.filename, m.content_type))
        continue;
      p.post.media.push_back({s_.media.path_of(m.sha256), m.content_type, m.sha256, ""});
    }
    return p;
  };
  auto prepared = co_await s_.writer.run(job9);
  if (!prepared.go)
    co_return;

  if (it == s_.publishers.end()) {
    auto job10 = [this, row, effect](Store& store) {
      store.give_up_outbox(row.id, workflow::now_ms(), "no such channel");
      spdlog::error("effect for unknown channel request={} channel={}", reference_of(store, row),
                    effect.channel);
    };
    co_await s_.writer.run(job10);
    co_return;
  }
  auto* publisher = it->second.get();
  // The post on the network after this effect: a ref, none (nothing was or is to be made), or
  // an error.
  Result<std::optional<connectors::PostRef>> result = Error{};
  if (row.kind == EffectKind::publish) {
    auto job11 = [this, publisher, prepared]() -> Result<std::optional<connectors::PostRef>> {
      auto post = prepared.post;
      if (auto copies = use_published_copies(post, s_.media, s_.checks.limits); !copies)
        return copies.error();
      if (prepared.reconcile && publisher->can_find()) {
        auto found = publisher->find(post);
        if (!found || found->has_value() || !prepared.create)
          return found;
      }
      if (!prepared.create)
        return std::optional<connectors::PostRef>();  // overtaken, and nothing to look at
      auto made = publisher->create(post);
      if (!made)
        return made.error();
      return std::optional<connectors::PostRef>(*made);
    };
    result = co_await on_pool(s_.pool, job11);
  } else {
    auto job12 = [publisher, prepared]() -> Result<std::optional<connectors::PostRef>> {
      connectors::PostRef ref = prepared.ref;
      if (prepared.reconcile && !publisher->can_find()) {
        ref = {prepared.post.idempotency_key, ""};  // the receiver knows it by that key
      } else if (prepared.reconcile) {
        auto found = publisher->find(prepared.post);
        if (!found)
          return found.error();
        if (!found->has_value())
          return std::optional<connectors::PostRef>(connectors::PostRef{});  // never made
        ref = **found;
      }
      if (auto removed = publisher->remove(ref); !removed)
        return removed.error();
      return std::optional<connectors::PostRef>(ref);
    };
    result = co_await on_pool(s_.pool, job12);
  }
  auto job13 = [this, row, effect, &result](Store& store) {
    Event e;
    e.at = workflow::now_ms();
    e.actor = "channel:" + effect.channel;
    e.source = fmt::format("outbox:{}", row.id);
    e.channel = effect.channel;
    if (result && !result->has_value()) {
      store.complete_outbox(row.id,
                            workflow::now_ms());  // overtaken by a takedown, and nothing was made
      ++s_.metrics.effects_done;
      return;
    }
    if (result) {
      e.kind = row.kind == EffectKind::publish ? EventKind::channel_published
                                               : EventKind::channel_removed;
      e.post_id = (*result)->id;
      e.post_url = (*result)->url;
      store.complete_outbox(row.id, workflow::now_ms());
      ++s_.metrics.effects_done;
    } else {
      const Error& error = result.error();
      const bool gave_up = retry_or_give_up(store, row, error);
      if (row.kind == EffectKind::remove)
        return;  // stays `removing`, visible, logged
      if (!gave_up && !error.outcome_unknown)
        return;
      e.kind = gave_up ? EventKind::channel_failed : EventKind::channel_unconfirmed;
      e.reason = error.message;
    }
    auto h = s_.engine.handle(store, *row.request_id, e);
    ++(h.applied ? s_.metrics.transitions : s_.metrics.refused_events);
    if (h.applied && e.kind == EventKind::channel_removed)
      s_.cases.request_progressed(store, *row.request_id, workflow::now_ms());
  };
  co_await s_.writer.run(job13);
  wake();
}

}  // namespace relais::daemon
