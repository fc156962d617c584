// The `site` channel: publishes to a local static news page (dir/index.html) with an Atom feed
// (dir/atom.xml); state in dir/entries.json, media copied to dir/media/. Thread-safe.
// Errors: disk errors are transient; a missing or unshowable media file is permanent; a damaged
// entries.json is permanent (it is never overwritten); a PostRef id that is not a slug is
// invalid_input.
#pragma once

#include <mutex>
#include <string_view>

#include "connectors/connector.hpp"
#include "connectors/site/site_entry.hpp"
#include "connectors/site/site_options.hpp"

namespace relais::connectors::site {

class SitePublisher : public Publisher {
 public:
  // Does no I/O: the directory is created on the first create(). A public_url without a final
  // '/' gets one.
  explicit SitePublisher(SiteOptions options);

  std::string_view type() const override { return "site"; }

  // Copies the media to dir/media/<id>-<n>.<ext> (extension from the content type), records the
  // entry and rewrites index.html and atom.xml. id = make_slug(reference) (or of the
  // idempotency key when the reference is empty). An entry with the same idempotency key or id
  // already present is returned as is, after the pages are rewritten (so a crash between the
  // state file and the pages heals on retry). PostRef{id, public_url + "index.html#" + id}.
  Result<PostRef> create(const Post& post) override;

  // Removes the entry and its media files (also files left by an interrupted create) and
  // rewrites both pages. An unknown id succeeds.
  Result<void> remove(const PostRef& ref) override;

  // The entry with the post's idempotency key, if there is one.
  Result<std::optional<PostRef>> find(const Post& post) override;

  // Whether the directory exists (or can be made) and relais may write in it.
  Result<std::string> check() override;

 private:
  Result<std::vector<SiteEntry>> load() const;
  Result<void> save_and_render(const std::vector<SiteEntry>& entries) const;
  Result<void> render(const std::vector<SiteEntry>& entries) const;

  SiteOptions options_;
  std::mutex mutex_;  // create/remove come from several worker threads
};

}  // namespace relais::connectors::site
