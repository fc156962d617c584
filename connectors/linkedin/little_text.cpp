#include "connectors/linkedin/little_text.hpp"

#include "connectors/http/post_text.hpp"

namespace relais::connectors::linkedin {

namespace {

constexpr std::string_view kReserved = "|{}@[]()<>#\\*_~";

}  // namespace

bool is_little_reserved(char c) {
  return kReserved.find(c) != std::string_view::npos;
}

std::string little_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    if (is_little_reserved(c))
      out += '\\';
    out += c;
  }
  return out;
}

std::string little_unescape(std::string_view commentary) {
  std::string out;
  out.reserve(commentary.size());
  for (std::size_t i = 0; i < commentary.size(); ++i) {
    if (commentary[i] == '\\' && i + 1 < commentary.size() && is_little_reserved(commentary[i + 1]))
      ++i;
    out += commentary[i];
  }
  return out;
}

bool commentary_holds(std::string_view commentary, std::string_view text) {
  return http::same_text(little_unescape(commentary), text) || http::same_text(commentary, text);
}

}  // namespace relais::connectors::linkedin
