// Renders the site's two public files from its entries: index.html (accessible HTML5, inline
// CSS, no script, no remote resource) and atom.xml (Atom 1.0). Pure functions; never fail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connectors/site/site_entry.hpp"
#include "connectors/site/site_options.hpp"

namespace relais::connectors::site {

// The public URL of an entry: public_url + "index.html#" + id.
std::string entry_url(const SiteOptions& options, std::string_view id);

// The page, entries in the order given (callers pass them newest first).
std::string render_index(const std::vector<SiteEntry>& entries, const SiteOptions& options);

// The feed. Its <updated> is `now` (UTC ISO 8601), the time of this change of the site.
std::string render_atom(const std::vector<SiteEntry>& entries, const SiteOptions& options,
                        std::string_view now);

// The Atom id of an entry: "tag:HOST,YYYY-MM-DD:site/ID" from public_url's host and the
// publication date, or "urn:relais:site:ID" when public_url has no usable host.
std::string atom_entry_id(const SiteOptions& options, const SiteEntry& entry);

}  // namespace relais::connectors::site
