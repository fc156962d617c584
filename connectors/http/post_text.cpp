#include "connectors/http/post_text.hpp"

#include <cctype>
#include <ctime>

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

std::optional<std::chrono::system_clock::time_point> network_time(std::string_view text) {
  // Fixed positions: YYYY-MM-DD?HH:MM:SS, then fractions, then Z or an offset.
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > text.size())
      return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i])))
        return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2), hour = digits(11, 2),
             minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':' || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 ||
      *minute > 59 || *second > 60)
    return std::nullopt;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])))
      ++at;
  }
  int offset_minutes = 0;
  const std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z" || zone.empty()) {
    // UTC; an unmarked time is taken as UTC too (the networks write UTC).
  } else if (zone[0] == '+' || zone[0] == '-') {
    const std::size_t colon = zone.size() == 6 && zone[3] == ':' ? 1 : 0;
    if (zone.size() != 5 + colon)
      return std::nullopt;
    const auto h = digits(at + 1, 2), m = digits(at + 3 + colon, 2);
    if (!h || !m || *h > 23 || *m > 59)
      return std::nullopt;
    offset_minutes = (*h * 60 + *m) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) - std::chrono::minutes(offset_minutes);
}

bool made_in_time(const Post& post, std::optional<std::chrono::system_clock::time_point> made) {
  return !made || *made >= post.not_before;
}

}  // namespace relais::connectors::http
