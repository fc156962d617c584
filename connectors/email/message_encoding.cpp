// Quoted-printable, RFC 2047 encoded words, header folding, RFC 5322 dates and UTF-8 checks.
// Pure functions over bytes; none fails. Output is 7-bit with CRLF line endings.
#include "connectors/email/message_encoding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <vector>
#include "workflow/base64.hpp"

namespace relais::connectors::email {

namespace {

constexpr std::size_t kMaxLine = 76;

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if ((lead & 0xe0) == 0xc0)
    return 2;
  if ((lead & 0xf0) == 0xe0)
    return 3;
  if ((lead & 0xf8) == 0xf0)
    return 4;
  return 1;
}

// Splits UTF-8 text into B-encoded words of at most max_word characters each, never cutting a
// character in two.
std::vector<std::string> encoded_words(std::string_view text, std::size_t max_word) {
  constexpr std::string_view kPrefix = "=?utf-8?B?";
  constexpr std::string_view kSuffix = "?=";
  const std::size_t room = max_word - kPrefix.size() - kSuffix.size();
  const std::size_t max_bytes = std::max<std::size_t>(room / 4 * 3, 4);
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = start;
    while (end < text.size()) {
      std::size_t n =
          std::min(utf8_length(static_cast<unsigned char>(text[end])), text.size() - end);
      if (end + n - start > max_bytes) {
        break;
      }
      end += n;
    }
    words.push_back(
        fmt::format("{}{}{}", kPrefix, workflow::base64(text.substr(start, end - start)), kSuffix));
    start = end;
  }
  return words;
}

std::size_t max_word_for(std::string_view name) {
  std::size_t room = kMaxLine > name.size() + 2 ? kMaxLine - name.size() - 2 : 0;
  return std::clamp<std::size_t>(room, 20, 75);
}

bool needs_encoding(std::string_view value, std::size_t max_word) {
  if (!printable_ascii(value) || value.find("=?") != std::string_view::npos) {
    return true;
  }
  std::size_t word = 0;
  for (char c : value) {
    word = c == ' ' ? 0 : word + 1;
    if (word > max_word) {
      return true;
    }
  }
  return false;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) {
        return false;
      }
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr std::array<std::uint32_t, 4> kMin = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool has_line_break_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string quoted_printable(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 8);
  std::size_t col = 0;
  auto emit = [&](std::string_view token) {
    if (col + token.size() > kMaxLine - 1) {
      out += "=\r\n";
      col = 0;
    }
    out += token;
    col += token.size();
  };
  std::size_t pos = 0;
  while (true) {
    std::size_t eol = body.find_first_of("\r\n", pos);
    std::string_view line = body.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      bool from_line = i == 0 && line.substr(0, 5) == "From ";
      if ((c == ' ' || c == '\t') && !last) {
        emit(std::string_view(&line[i], 1));
      } else if (c > 0x20 && c < 0x7f && c != '=' && !from_line) {
        emit(std::string_view(&line[i], 1));
      } else {
        emit(fmt::format("={:02X}", c));
      }
    }
    if (eol == std::string_view::npos) {
      break;
    }
    out += "\r\n";
    col = 0;
    pos = eol + (body[eol] == '\r' && eol + 1 < body.size() && body[eol + 1] == '\n' ? 2 : 1);
  }
  return out;
}

std::string folded_header(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ':';
  value = trim_spaces(value);
  if (value.empty()) {
    return out + "\r\n";
  }
  std::size_t col = out.size();
  bool line_has_word = false;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t sp = value.find(' ', pos);
    std::string_view word = value.substr(pos, sp == std::string_view::npos ? sp : sp - pos);
    if (line_has_word && !word.empty() && col + 1 + word.size() > kMaxLine) {
      out += "\r\n";
      col = 0;
    }
    out += ' ';
    out += word;
    col += 1 + word.size();
    line_has_word = line_has_word || !word.empty();
    if (sp == std::string_view::npos) {
      break;
    }
    pos = sp + 1;
  }
  return out + "\r\n";
}

std::string unstructured_header(std::string_view name, std::string_view value) {
  value = trim_spaces(value);
  const std::size_t max_word = max_word_for(name);
  if (!needs_encoding(value, max_word)) {
    return folded_header(name, value);
  }
  std::string out(name);
  out += ':';
  for (const std::string& w : encoded_words(value, max_word)) {
    if (out.size() > name.size() + 1) {
      out += "\r\n";
    }
    out += ' ';
    out += w;
  }
  return out + "\r\n";
}

std::string encode_phrase(std::string_view display_name, std::size_t max_word) {
  display_name = trim_spaces(display_name);
  if (!printable_ascii(display_name) || display_name.find("=?") != std::string_view::npos) {
    std::string out;
    for (const std::string& w : encoded_words(display_name, max_word)) {
      out += out.empty() ? "" : " ";
      out += w;
    }
    return out;
  }
  bool atoms = std::all_of(display_name.begin(), display_name.end(),
                           [](char c) { return is_atext(c) || c == ' '; }) &&
               display_name.find("  ") == std::string_view::npos;
  if (atoms) {
    return std::string(display_name);
  }
  std::string out = "\"";
  for (char c : display_name) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} +0000", kDays[tm.tm_wday % 7],
                     tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

}  // namespace relais::connectors::email
