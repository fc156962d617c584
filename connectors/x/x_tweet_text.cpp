#include "connectors/x/x_tweet_text.hpp"

#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace relais::connectors::x {
namespace {

constexpr int kLink = -1;  // in a pattern: one run of non-blank characters

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string collapsed(std::string_view s) {
  std::string out;
  bool gap = false;
  for (char c : s) {
    if (blank(c)) {
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

// Length of a t.co link at `i` ("https://t.co/" and its code), 0 when none starts there.
std::size_t tco_link_at(std::string_view s, std::size_t i) {
  for (std::string_view prefix : {"https://t.co/", "http://t.co/"}) {
    if (!s.substr(i).starts_with(prefix))
      continue;
    std::size_t n = prefix.size();
    while (i + n < s.size() && std::isalnum(static_cast<unsigned char>(s[i + n])))
      ++n;
    return n > prefix.size() ? n : 0;
  }
  return 0;
}

// X's text as a pattern: its characters, &amp; &lt; &gt; decoded, each t.co link as kLink.
std::vector<int> pattern_of(std::string_view returned) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
  const std::string text = collapsed(returned);
  std::vector<int> out;
  for (std::size_t i = 0; i < text.size();) {
    if (const auto n = tco_link_at(text, i)) {
      out.push_back(kLink);
      i += n;
      continue;
    }
    bool decoded = false;
    for (const auto& [entity, c] : kEntities) {
      if (std::string_view(text).substr(i).starts_with(entity)) {
        out.push_back(static_cast<unsigned char>(c));
        i += entity.size();
        decoded = true;
        break;
      }
    }
    if (!decoded)
      out.push_back(static_cast<unsigned char>(text[i++]));
  }
  return out;
}

// Whether `pattern` matches all of `text`, a link standing for one or more non-blank
// characters among which a dot (a domain): one row of the classic table per pattern element.
bool matches(const std::vector<int>& pattern, const std::string& text) {
  const std::size_t n = text.size();
  std::vector<char> row(n + 1, 0), next(n + 1, 0), undotted(n + 1, 0);
  row[0] = 1;
  for (const int element : pattern) {
    next.assign(n + 1, 0);
    undotted.assign(n + 1, 0);  // inside a link's run that has no dot yet
    for (std::size_t j = 1; j <= n; ++j) {
      const char c = text[j - 1];
      if (element != kLink) {
        next[j] = row[j - 1] && static_cast<unsigned char>(c) == element;
      } else if (c == '.') {
        next[j] = row[j - 1] || undotted[j - 1] || next[j - 1];
      } else if (c != ' ') {
        undotted[j] = row[j - 1] || undotted[j - 1];
        next[j] = next[j - 1];
      }
    }
    std::swap(row, next);
  }
  return row[n] != 0;
}

}  // namespace

bool same_tweet_text(std::string_view posted, std::string_view returned, bool with_media) {
  const std::string ours = collapsed(posted);
  auto pattern = pattern_of(returned);
  if (matches(pattern, ours))
    return true;
  // The media link X appends: " https://t.co/...", after the text.
  if (with_media && pattern.size() >= 2 && pattern.back() == kLink &&
      pattern[pattern.size() - 2] == ' ') {
    pattern.resize(pattern.size() - 2);
    return matches(pattern, ours);
  }
  return false;
}

}  // namespace relais::connectors::x
