// A small Mustache subset over boost::json contexts, and the per-language template directory.
// Rendering never throws: a template that cannot be parsed (unclosed section, mismatched tag,
// unsupported tag) is an invalid_input Error naming the line; a missing template is a permanent
// Error.
#pragma once

#include <boost/json/value.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "workflow/result.hpp"

namespace relais::connectors {

// How a {{name}} value is escaped. {{{name}}} and {{&name}} are never escaped.
enum class Escape {
  html,    // & < > " ' become entities
  text,    // unchanged
  header,  // CR, LF and every other control character become a space (one header line)
};

// Renders `tmpl` with `context`. Supported: {{name}}, {{{name}}}, {{&name}}, dotted names {{a.b}}
// (a numeric part indexes an array: {{#list.0}}heading{{/list.0}} shows only for a non-empty list),
// {{.}} (the current item), sections {{#x}}..{{/x}} (arrays iterate, objects push context, other
// truthy values show once), inverted sections {{^x}}..{{/x}}, comments {{! ... }}. Section,
// inverted and comment tags alone on their line take the line with them (Mustache "standalone"
// rule). Falsy: missing, null, false, 0, "", []. A missing name renders as "". Partials ({{>x}})
// and delimiter changes ({{=x y=}}) are refused with an error.
Result<std::string> render_template(std::string_view tmpl, const boost::json::value& context,
                                    Escape escape);

// Checks that `tmpl` parses; the same errors as render_template.
Result<void> check_template(std::string_view tmpl);

// The templates of a directory DIR/LANG/NAME (e.g. etc/templates/fr/ack.txt), all read and parsed
// at load. Lookups are in memory (a name is never used as a path). Thread-safe: render() may run
// on any thread while reload() swaps in a new set.
class TemplateSet {
 public:
  // Reads every regular file DIR/*/NAME (hidden files skipped; at most 1 MiB each). Fails when DIR
  // cannot be read, a file cannot be read, or a template does not parse (the error names the file).
  static Result<TemplateSet> load(const std::filesystem::path& dir);

  // Re-reads every file. On any error the previous set stays in use and the error is returned.
  Result<void> reload();

  // Renders LANG/NAME, or fr/NAME when LANG has no NAME; fails clearly when neither exists.
  // Escaping follows NAME's extension: ".html" -> Escape::html, anything else -> Escape::text.
  Result<std::string> render(std::string_view lang, std::string_view name,
                             const boost::json::value& ctx) const;
  // Same lookup, explicit escaping.
  Result<std::string> render(std::string_view lang, std::string_view name,
                             const boost::json::value& ctx, Escape escape) const;

  // The source text of LANG/NAME with the same fallback to fr (a copy: safe across reload()).
  Result<std::string> source(std::string_view lang, std::string_view name) const;

  // True when LANG itself has NAME (no fallback), so that a caller can keep the parts of one mail
  // (NAME.txt, NAME.html) in one language.
  bool has(std::string_view lang, std::string_view name) const;

  const std::filesystem::path& directory() const { return dir_; }

  struct Files;  // the parsed templates; defined in template.cpp

 private:
  struct Shared;
  TemplateSet(std::filesystem::path dir, std::shared_ptr<Shared> shared);
  std::shared_ptr<const Files> snapshot() const;

  std::filesystem::path dir_;
  std::shared_ptr<Shared> shared_;  // never null; shared_ptr so that TemplateSet stays movable
};

}  // namespace relais::connectors
