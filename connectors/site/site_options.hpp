// Options of one `site` channel instance: where the page lives and how it is addressed.
// Plain data; checked by the configuration loader, never fails itself.
#pragma once

#include <filesystem>
#include <string>

namespace relais::connectors::site {

struct SiteOptions {
  std::filesystem::path dir;         // e.g. var/site; created on first publication
  std::string title = "Actualités";  // the page and feed title
  std::string public_url;       // e.g. "http://127.0.0.1:8080/site/"; a missing final / is added
  std::string language = "fr";  // BCP 47 tag for lang= and xml:lang=; "fr" and "en" labels
};

}  // namespace relais::connectors::site
