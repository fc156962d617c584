// The JSON Schemas of schemas/ (hooks/*.schema.json, config.schema.json), built into the
// binary: the hooks validate against them and /schemas/ serves them, so what is documented is
// what is enforced.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace relais::connectors::webhook {

struct EmbeddedSchema {
  std::string_view path;  // under schemas/: "hooks/submission.schema.json"
  std::string_view text;
};

std::span<const EmbeddedSchema> embedded_schemas();

inline std::optional<std::string_view> embedded_schema(std::string_view path) {
  for (const auto& s : embedded_schemas()) {
    if (s.path == path)
      return s.text;
  }
  return std::nullopt;
}

}  // namespace relais::connectors::webhook
