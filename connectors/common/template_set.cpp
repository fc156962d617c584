// TemplateSet: the templates of a directory (DIR/LANG/NAME), read and parsed at load and on
// reload, looked up in memory with a fallback to French. Files are read only under DIR; a file
// that cannot be read or parsed fails the load (or the reload, keeping the previous set).
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>

#include "connectors/common/template.hpp"
#include "connectors/common/template_tree.hpp"

namespace relais::connectors {

using template_detail::Node;
using template_detail::parse;
using template_detail::render_nodes;

namespace {
constexpr std::uintmax_t kMaxTemplateBytes = 1u << 20;  // one template file
}  // namespace

struct TemplateSet::Files {
  struct Entry {
    std::string source;
    std::vector<Node> nodes;
  };
  std::map<std::string, std::map<std::string, Entry, std::less<>>, std::less<>> by_lang;

  const Entry* find(std::string_view lang, std::string_view name) const {
    auto l = by_lang.find(lang);
    if (l == by_lang.end()) {
      return nullptr;
    }
    auto n = l->second.find(name);
    return n == l->second.end() ? nullptr : &n->second;
  }
};

struct TemplateSet::Shared {
  mutable std::mutex mutex;
  std::shared_ptr<const Files> files;
};

namespace {

constexpr std::string_view kFallbackLang = "fr";

Result<std::string> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return permanent(fmt::format("template {} cannot be read: {}", path.string(), ec.message()));
  }
  if (size > kMaxTemplateBytes) {
    return invalid_input(fmt::format("template {} is larger than 1 MiB", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return permanent(fmt::format("template {} cannot be read", path.string()));
  }
  return buf.str();
}

Result<std::shared_ptr<const TemplateSet::Files>> load_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  auto files = std::make_shared<TemplateSet::Files>();
  std::error_code ec;
  fs::directory_iterator langs(dir, ec);
  if (ec) {
    return permanent(
        fmt::format("template directory {} cannot be read: {}", dir.string(), ec.message()));
  }
  for (const fs::directory_entry& lang_dir : langs) {
    std::string lang = lang_dir.path().filename().string();
    if (lang.empty() || lang.front() == '.' || !lang_dir.is_directory(ec)) {
      continue;
    }
    fs::directory_iterator names(lang_dir.path(), ec);
    if (ec) {
      return permanent(fmt::format("template directory {} cannot be read: {}",
                                   lang_dir.path().string(), ec.message()));
    }
    auto& entries = files->by_lang[lang];
    for (const fs::directory_entry& file : names) {
      std::string name = file.path().filename().string();
      if (name.empty() || name.front() == '.' || !file.is_regular_file(ec)) {
        continue;
      }
      auto text = read_file(file.path());
      if (!text) {
        return text.error();
      }
      auto nodes = parse(*text);
      if (!nodes) {
        return invalid_input(fmt::format("{}: {}", file.path().string(), nodes.error().message));
      }
      entries.emplace(name, TemplateSet::Files::Entry{std::move(*text), std::move(*nodes)});
    }
  }
  return std::shared_ptr<const TemplateSet::Files>(std::move(files));
}

}  // namespace

TemplateSet::TemplateSet(std::filesystem::path dir, std::shared_ptr<Shared> shared)
    : dir_(std::move(dir)), shared_(std::move(shared)) {}

Result<TemplateSet> TemplateSet::load(const std::filesystem::path& dir) {
  auto files = load_files(dir);
  if (!files) {
    return files.error();
  }
  auto shared = std::make_shared<Shared>();
  shared->files = std::move(*files);
  return TemplateSet(dir, std::move(shared));
}

Result<void> TemplateSet::reload() {
  auto files = load_files(dir_);
  if (!files) {
    return files.error();
  }
  std::lock_guard lock(shared_->mutex);
  shared_->files = std::move(*files);
  return {};
}

std::shared_ptr<const TemplateSet::Files> TemplateSet::snapshot() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->files;
}

namespace {

template <class Files>
Result<const typename Files::Entry*> find_with_fallback(const Files& files, std::string_view lang,
                                                        std::string_view name) {
  if (const auto* e = files.find(lang, name)) {
    return e;
  }
  if (const auto* e = files.find(kFallbackLang, name)) {
    return e;
  }
  return permanent(
      fmt::format("template '{}' exists neither for language '{}' nor for the fallback '{}'", name,
                  lang, kFallbackLang));
}

}  // namespace

Result<std::string> TemplateSet::render(std::string_view lang, std::string_view name,
                                        const boost::json::value& ctx) const {
  bool html = name.size() >= 5 && name.substr(name.size() - 5) == ".html";
  return render(lang, name, ctx, html ? Escape::html : Escape::text);
}

Result<std::string> TemplateSet::render(std::string_view lang, std::string_view name,
                                        const boost::json::value& ctx, Escape escape) const {
  auto files = snapshot();
  auto entry = find_with_fallback(*files, lang, name);
  if (!entry) {
    return entry.error();
  }
  return render_nodes((*entry)->nodes, ctx, escape);
}

Result<std::string> TemplateSet::source(std::string_view lang, std::string_view name) const {
  auto files = snapshot();
  auto entry = find_with_fallback(*files, lang, name);
  if (!entry) {
    return entry.error();
  }
  return (*entry)->source;
}

bool TemplateSet::has(std::string_view lang, std::string_view name) const {
  return snapshot()->find(lang, name) != nullptr;
}

}  // namespace relais::connectors
