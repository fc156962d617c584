// Escaping for the contexts relais writes into: HTML/XML text and attributes.
// Pure functions; they never fail. Invalid UTF-8 is passed through byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace relais::connectors {

// Escapes & < > " ' for use in HTML or XML text and in quoted attribute values.
inline std::string html_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  for (char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

inline std::string xml_escape(std::string_view in) { return html_escape(in); }

}  // namespace relais::connectors
