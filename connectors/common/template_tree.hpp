// The parsed form of a template, shared by the parser/renderer (template.cpp) and the
// directory loader (template_set.cpp). Internal to connectors/common.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/common/template.hpp"

namespace relais::connectors::template_detail {

enum class Kind { text, var, raw, section, inverted, close, comment };

struct Node {
  Kind kind = Kind::text;
  std::string text;               // text, or the name as written
  std::vector<std::string> path;  // the name split on '.'; {"."} for the current item
  std::vector<Node> children;     // sections
  int line = 1;
};

// Parses a template; an invalid_input Error names the line.
Result<std::vector<Node>> parse(std::string_view src);
// Renders a parsed tree; cannot fail.
std::string render_nodes(const std::vector<Node>& nodes, const boost::json::value& context,
                         Escape escape);

}  // namespace relais::connectors::template_detail
