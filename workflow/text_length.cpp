#include "workflow/text_length.hpp"

#include <cstdint>

namespace relais::workflow {
namespace {

constexpr std::size_t kUrlWeight = 23;

// One code point at `i` (advanced past it); an invalid byte is returned as itself.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = b0 < 0x80           ? 1
                    : (b0 >> 5) == 0x6  ? 2
                    : (b0 >> 4) == 0xE  ? 3
                    : (b0 >> 3) == 0x1E ? 4
                                        : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return b0;
  }
  std::uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b >> 6) != 0x2) {
      ++i;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

bool light(std::uint32_t cp) {  // twitter-text's ranges of weight 1
  return cp <= 0x10FF || (cp >= 0x2000 && cp <= 0x200D) || (cp >= 0x2010 && cp <= 0x201F) ||
         (cp >= 0x2032 && cp <= 0x2037);
}

bool emoji(std::uint32_t cp) {
  return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
         (cp >= 0x2B00 && cp <= 0x2BFF);
}

bool emoji_modifier(std::uint32_t cp) {  // joins the emoji before it, weighs nothing
  return cp == 0xFE0F || cp == 0xFE0E || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

bool url_end(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>' || c == '"';
}

// Length of a URL starting at i ("http://", "https://" or "www."), trailing punctuation
// excluded as twitter-text does; 0 when none starts here.
std::size_t url_at(std::string_view s, std::size_t i) {
  const auto rest = s.substr(i);
  if (!(rest.starts_with("http://") || rest.starts_with("https://") || rest.starts_with("www.")))
    return 0;
  if (i > 0 && !url_end(s[i - 1]) && s[i - 1] != '(')
    return 0;
  std::size_t n = 0;
  while (n < rest.size() && !url_end(rest[n]))
    ++n;
  while (n > 0 && std::string_view(".,;:!?)'").find(rest[n - 1]) != std::string_view::npos)
    --n;
  return n > 8 ? n : 0;
}

}  // namespace

std::size_t code_point_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n)
    next_code_point(s, i);
  return n;
}

std::size_t x_weighted_length(std::string_view s) {
  std::size_t weight = 0;
  bool after_emoji = false;  // inside an emoji sequence: modifiers and ZWJ-joined parts are free
  bool joined = false;
  for (std::size_t i = 0; i < s.size();) {
    if (const auto url = url_at(s, i)) {
      weight += kUrlWeight;
      i += url;
      after_emoji = joined = false;
      continue;
    }
    const auto cp = next_code_point(s, i);
    if (after_emoji && emoji_modifier(cp))
      continue;
    if (after_emoji && cp == 0x200D) {
      joined = true;
      continue;
    }
    if (emoji(cp)) {
      if (!(after_emoji && joined))
        weight += 2;
      after_emoji = true;
      joined = false;
      continue;
    }
    after_emoji = joined = false;
    weight += light(cp) ? 1 : 2;
  }
  return weight;
}

}  // namespace relais::workflow

namespace relais::workflow {

std::size_t mastodon_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (const auto url = url_at(s, i)) {
      n += kUrlWeight;
      i += url;
      continue;
    }
    next_code_point(s, i);
    ++n;
  }
  return n;
}

std::string shortened(std::string_view utf8, std::size_t max_bytes) {
  if (utf8.size() <= max_bytes)
    return std::string(utf8);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(utf8[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(utf8.substr(0, cut)) + "…";
}

}  // namespace relais::workflow
