// The `site` channel: entries.json is the truth, index.html and atom.xml are rewritten from it
// after every change. One mutex serialises create/remove; every file is written atomically.
// Disk errors are transient, missing media permanent (see site_publisher.hpp).
#include "connectors/site/site_publisher.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <system_error>

#include "connectors/site/site_files.hpp"
#include "connectors/site/site_render.hpp"
#include "workflow/wall_clock.hpp"

namespace relais::connectors::site {
namespace fs = std::filesystem;

namespace {

std::shared_ptr<spdlog::logger> log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("site");
    return existing ? existing : spdlog::default_logger()->clone("site");
  }();
  return logger;
}

// Removes dir/media/<id>-<n>.<ext> files; returns how many went.
Result<int> remove_media_of(const fs::path& media_dir, std::string_view id) {
  std::error_code ec;
  fs::directory_iterator it(media_dir, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    return 0;
  }
  if (ec) {
    return transient(fmt::format("Could not list {}: {}.", media_dir.string(), ec.message()));
  }
  std::vector<fs::path> doomed;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (is_media_file_name(id, it->path().filename().string())) {
      doomed.push_back(it->path());
    }
  }
  if (ec) {
    return transient(fmt::format("Could not list {}: {}.", media_dir.string(), ec.message()));
  }
  for (const fs::path& p : doomed) {
    if (auto r = remove_file(p); !r) {
      return r.error();
    }
  }
  if (!doomed.empty()) {
    if (auto r = fsync_directory(media_dir); !r) {
      return r.error();
    }
  }
  return static_cast<int>(doomed.size());
}

}  // namespace

SitePublisher::SitePublisher(SiteOptions options) : options_(std::move(options)) {
  if (!options_.public_url.empty() && options_.public_url.back() != '/') {
    options_.public_url += '/';
  }
}

Result<std::vector<SiteEntry>> SitePublisher::load() const {
  auto text = read_file(options_.dir / "entries.json");
  if (!text) {
    return text.error();
  }
  if (!text->has_value()) {
    return std::vector<SiteEntry>{};
  }
  return parse_entries(**text);
}

Result<void> SitePublisher::render(const std::vector<SiteEntry>& entries) const {
  if (auto r = write_file_atomically(options_.dir / "index.html", render_index(entries, options_));
      !r) {
    return r;
  }
  std::string now = format_utc(workflow::wall_now());
  return write_file_atomically(options_.dir / "atom.xml", render_atom(entries, options_, now));
}

Result<void> SitePublisher::save_and_render(const std::vector<SiteEntry>& entries) const {
  if (auto r = write_file_atomically(options_.dir / "entries.json", serialize_entries(entries));
      !r) {
    return r;
  }
  return render(entries);
}

Result<PostRef> SitePublisher::create(const Post& post) {
  std::string id = make_slug(post.reference);
  if (id.empty()) {
    id = make_slug(post.idempotency_key);
  }
  if (id.empty()) {
    return invalid_input("A post for the site needs a reference to name its entry.");
  }
  std::vector<std::string> extensions;
  for (const MediaFile& m : post.media) {
    auto ext = extension_for(m.content_type);
    if (!ext) {
      return permanent(
          fmt::format("The site cannot show media of type \"{}\".", m.content_type.substr(0, 80)));
    }
    extensions.push_back(*ext);
  }
  PostRef ref{id, entry_url(options_, id)};

  std::lock_guard lock(mutex_);
  const fs::path media_dir = options_.dir / "media";
  if (auto r = ensure_directory(media_dir); !r) {
    return r.error();
  }
  auto entries = load();
  if (!entries) {
    return entries.error();
  }
  auto same = std::find_if(entries->begin(), entries->end(), [&](const SiteEntry& e) {
    return e.id == id ||
           (!post.idempotency_key.empty() && e.idempotency_key == post.idempotency_key);
  });
  if (same != entries->end()) {
    ref = PostRef{same->id, entry_url(options_, same->id)};
    if (auto r = render(*entries); !r) {
      return r.error();
    }
    log()->info("site.post_exists id={}", ref.id);
    return ref;
  }

  SiteEntry entry{id,          post.idempotency_key,          post.title, post.text,
                  post.author, format_utc(post.published_at), {}};
  for (std::size_t i = 0; i < post.media.size(); ++i) {
    std::string file = fmt::format("{}-{}.{}", id, i + 1, extensions[i]);
    auto copied = copy_file_atomically(post.media[i].path, media_dir / file);
    if (!copied) {
      (void)remove_media_of(media_dir, id);  // best effort: a retry rewrites them anyway
      log()->warn("site.media_copy_failed id={} index={}", id, i + 1);
      return copied.error();
    }
    entry.media.push_back({file, post.media[i].content_type, post.media[i].alt, *copied});
  }
  entries->insert(entries->begin(), std::move(entry));
  sort_newest_first(*entries);
  if (auto r = save_and_render(*entries); !r) {
    return r.error();
  }
  log()->info("site.post_created id={} media={}", id, post.media.size());
  return ref;
}

Result<void> SitePublisher::remove(const PostRef& ref) {
  if (!is_slug(ref.id)) {
    return invalid_input("The site entry id to remove is not a valid id.");
  }
  std::lock_guard lock(mutex_);
  auto entries = load();
  if (!entries) {
    return entries.error();
  }
  auto it = std::find_if(entries->begin(), entries->end(),
                         [&](const SiteEntry& e) { return e.id == ref.id; });
  bool found = it != entries->end();
  if (found) {
    entries->erase(it);
    // The pages stop naming the media before the files go.
    if (auto r = save_and_render(*entries); !r) {
      return r;
    }
  }
  auto removed = remove_media_of(options_.dir / "media", ref.id);
  if (!removed) {
    return removed.error();
  }
  log()->info("site.post_removed id={} found={} media={}", ref.id, found, *removed);
  return {};
}

Result<std::optional<PostRef>> SitePublisher::find(const Post& post) {
  std::lock_guard lock(mutex_);
  auto entries = load();
  if (!entries) {
    return entries.error();
  }
  for (const SiteEntry& e : *entries) {
    if (!post.idempotency_key.empty() && e.idempotency_key == post.idempotency_key) {
      return std::optional<PostRef>(PostRef{e.id, entry_url(options_, e.id)});
    }
  }
  return std::optional<PostRef>();
}

Result<std::string> SitePublisher::check() {
  if (auto r = ensure_directory(options_.dir / "media"); !r) {
    return r.error();
  }
  const fs::path probe = options_.dir / ".relais-write-test";
  std::error_code ec;
  if (auto r = write_file_atomically(probe, "ok\n"); !r) {
    return r.error();
  }
  fs::remove(probe, ec);
  std::lock_guard lock(mutex_);
  auto entries = load();
  if (!entries) {
    return entries.error();
  }
  return fmt::format("writes to {} ({} entries), published at {}", options_.dir.string(),
                     entries->size(),
                     options_.public_url.empty() ? "(no public_url)" : options_.public_url);
}

}  // namespace relais::connectors::site
