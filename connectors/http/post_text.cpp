#include "connectors/http/post_text.hpp"

namespace relais::connectors::http {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string collapsed(std::string_view s) {
  std::string out;
  bool gap = false;
  for (char c : s) {
    if (is_space(c)) {
      gap = !out.empty();
      continue;
    }
    if (gap)
      out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string compose_text(const Post& post) {
  std::string text = post.text;
  if (!post.author.empty() && !post.media.empty())
    text += "\n\n© " + post.author;
  return text;
}

bool same_text(std::string_view a, std::string_view b) {
  return collapsed(a) == collapsed(b);
}

}  // namespace relais::connectors::http
