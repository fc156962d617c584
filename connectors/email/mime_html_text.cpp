// HTML to plain text for HTML-only mail (see mime_html_text.hpp). Pure; input is UTF-8.
#include "connectors/email/mime_html_text.hpp"
#include "workflow/ascii.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

namespace relais::connectors::email {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    cp = 0xfffd;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 38> kEntities{{
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xa0},    {"eacute", 0xe9},  {"egrave", 0xe8},   {"ecirc", 0xea},   {"euml", 0xeb},
    {"agrave", 0xe0},  {"acirc", 0xe2},   {"ccedil", 0xe7},   {"icirc", 0xee},   {"iuml", 0xef},
    {"ocirc", 0xf4},   {"ugrave", 0xf9},  {"ucirc", 0xfb},    {"uuml", 0xfc},    {"Eacute", 0xc9},
    {"Egrave", 0xc8},  {"Agrave", 0xc0},  {"Ccedil", 0xc7},   {"oelig", 0x153},  {"euro", 0x20ac},
    {"laquo", 0xab},   {"raquo", 0xbb},   {"hellip", 0x2026}, {"rsquo", 0x2019}, {"lsquo", 0x2018},
    {"ldquo", 0x201c}, {"rdquo", 0x201d}, {"ndash", 0x2013},  {"mdash", 0x2014}, {"copy", 0xa9},
    {"reg", 0xae},     {"deg", 0xb0},     {"middot", 0xb7},
}};

// Decodes the entity starting at s[0] == '&'; returns the number of bytes consumed (0: none).
std::size_t decode_entity(std::string_view s, std::string& out) {
  const std::size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi < 2 || semi > 10) {
    return 0;
  }
  const std::string_view name = s.substr(1, semi - 1);
  if (name[0] == '#') {
    std::uint32_t cp = 0;
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) {
      return 0;
    }
    for (char c : digits) {
      int d = -1;
      if (std::isdigit(static_cast<unsigned char>(c))) {
        d = c - '0';
      } else if (hex && std::isxdigit(static_cast<unsigned char>(c))) {
        d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
      }
      if (d < 0) {
        return 0;
      }
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
    }
    append_utf8(out, cp);
    return semi + 1;
  }
  for (const auto& [n, cp] : kEntities) {
    if (n == name) {
      append_utf8(out, cp);
      return semi + 1;
    }
  }
  return 0;
}

bool is_block_tag(const std::string& tag) {
  static constexpr std::array<std::string_view, 16> kBlocks{
      "br", "p",  "div", "li", "tr", "h1",    "h2",         "h3",
      "h4", "h5", "h6",  "ul", "ol", "table", "blockquote", "hr"};
  return std::find(kBlocks.begin(), kBlocks.end(), tag) != kBlocks.end();
}

// Collapses runs of spaces, trims each line, keeps at most one empty line in a row.
std::string tidy(const std::string& raw) {
  std::string out;
  std::string line;
  int blank_lines = 0;
  auto end_line = [&] {
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    if (line.empty()) {
      if (!out.empty() && blank_lines == 0) {
        out += '\n';
      }
      ++blank_lines;
    } else {
      out += line;
      out += '\n';
      blank_lines = 0;
    }
    line.clear();
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\n') {
      end_line();
    } else if (c == ' ') {
      if (!line.empty() && line.back() != ' ') {
        line += ' ';
      }
    } else {
      line += c;
    }
  }
  end_line();
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string raw;
  raw.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        const std::size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      const std::size_t end = html.find('>', i + 1);
      if (end == std::string_view::npos) {
        break;  // truncated tag: nothing readable follows
      }
      std::string_view inside = html.substr(i + 1, end - i - 1);
      const bool closing = !inside.empty() && inside[0] == '/';
      if (closing) {
        inside.remove_prefix(1);
      }
      std::size_t name_len = 0;
      while (name_len < inside.size() &&
             std::isalnum(static_cast<unsigned char>(inside[name_len]))) {
        ++name_len;
      }
      const std::string tag = lower(inside.substr(0, name_len));
      i = end + 1;
      if (!closing && (tag == "script" || tag == "style" || tag == "head" || tag == "title")) {
        const std::string close = "</" + tag;
        std::size_t pos = i;
        while (pos < html.size()) {
          const std::size_t found = html.find("</", pos);
          if (found == std::string_view::npos) {
            pos = html.size();
            break;
          }
          if (lower(html.substr(found, close.size())) == close) {
            const std::size_t gt = html.find('>', found);
            pos = gt == std::string_view::npos ? html.size() : gt + 1;
            break;
          }
          pos = found + 2;
        }
        i = pos;
        continue;
      }
      if (tag == "p" || tag == "h1" || tag == "h2" || tag == "h3" || tag == "table" ||
          tag == "blockquote") {
        raw += "\n\n";
      } else if (tag == "li") {
        if (!closing) {
          raw += "\n- ";
        }
      } else if (is_block_tag(tag)) {
        raw += '\n';
      } else if (tag == "td" || tag == "th") {
        raw += ' ';
      }
      continue;
    }
    if (c == '&') {
      const std::size_t used = decode_entity(html.substr(i), raw);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    if (c == '\r' || c == '\n' || c == '\t') {
      raw += ' ';
    } else {
      raw += c;
    }
    ++i;
  }
  // A decoded &nbsp; (U+00A0) reads as a space in plain text.
  std::string spaced;
  spaced.reserve(raw.size());
  for (std::size_t k = 0; k < raw.size(); ++k) {
    if (static_cast<unsigned char>(raw[k]) == 0xc2 && k + 1 < raw.size() &&
        static_cast<unsigned char>(raw[k + 1]) == 0xa0) {
      spaced += ' ';
      ++k;
    } else {
      spaced += raw[k];
    }
  }
  return tidy(spaced);
}

}  // namespace relais::connectors::email
