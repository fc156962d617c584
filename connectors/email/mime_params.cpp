// Structured header parameter parsing (see mime_params.hpp). Pure, apart from charset conversion.
#include "connectors/email/mime_params.hpp"
#include "workflow/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "connectors/email/mime_charset.hpp"
#include "connectors/email/mime_reader.hpp"

namespace relais::connectors::email {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// One raw "name=value" pair; value already unquoted.
struct RawParam {
  std::string name;
  std::string value;
  bool quoted = false;
};

std::vector<RawParam> split_params(std::string_view s, std::string& main_value) {
  std::vector<RawParam> out;
  std::size_t i = s.find(';');
  main_value = lower(trim(s.substr(0, i)));
  while (i != std::string_view::npos && i < s.size()) {
    ++i;  // skip ';'
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    }
    const std::size_t eq = s.find_first_of("=;", i);
    if (eq == std::string_view::npos || s[eq] == ';') {
      i = eq;
      continue;
    }
    RawParam p;
    p.name = lower(trim(s.substr(i, eq - i)));
    i = eq + 1;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
      ++i;
    }
    if (i < s.size() && s[i] == '"') {
      p.quoted = true;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) {
          ++i;
        }
        p.value.push_back(s[i]);
        ++i;
      }
      i = s.find(';', i);
    } else {
      const std::size_t end = s.find(';', i);
      p.value = std::string(trim(s.substr(i, end == std::string_view::npos ? end : end - i)));
      i = end;
    }
    if (!p.name.empty()) {
      out.push_back(std::move(p));
    }
  }
  return out;
}

// An RFC 2231 extended value "charset'lang'%XX..." decoded to UTF-8.
std::string decode_extended(std::string_view v) {
  const std::size_t q1 = v.find('\'');
  const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) {
    return to_utf8(percent_decode(v), "utf-8");
  }
  return to_utf8(percent_decode(v.substr(q2 + 1)), v.substr(0, q1));
}

}  // namespace

HeaderParams parse_header_params(std::string_view raw_value) {
  std::string unfolded;
  for (char c : raw_value) {
    if (c != '\r' && c != '\n') {
      unfolded.push_back(c);
    }
  }
  HeaderParams result;
  const auto raw = split_params(unfolded, result.value);

  // Continuations: name*N or name*N* collected per base name, in numeric order.
  struct Parts {
    std::map<int, std::pair<std::string, bool>> pieces;  // index -> (value, extended)
  };
  std::map<std::string, Parts> continued;
  for (const auto& p : raw) {
    const std::size_t star = p.name.find('*');
    if (star == std::string::npos) {
      if (!result.params.contains(p.name)) {
        const bool words = p.value.find("=?") != std::string::npos;
        result.params[p.name] = words ? decode_header_words(p.value) : to_utf8(p.value, "utf-8");
      }
      continue;
    }
    const std::string base = p.name.substr(0, star);
    std::string_view rest = std::string_view(p.name).substr(star + 1);
    if (rest.empty()) {  // name*=charset'lang'value
      result.params[base] = decode_extended(p.value);
      continue;
    }
    const bool extended = rest.back() == '*';
    if (extended) {
      rest.remove_suffix(1);
    }
    if (rest.empty() || rest.size() > 3 ||
        !std::all_of(rest.begin(), rest.end(), [](char c) { return std::isdigit(c); })) {
      continue;
    }
    continued[base].pieces[std::stoi(std::string(rest))] = {p.value, extended};
  }
  for (auto& [base, parts] : continued) {
    // The charset is named in piece 0 only; later extended pieces are bare %XX text.
    std::string charset;
    std::string bytes;
    for (auto& [index, piece] : parts.pieces) {
      auto& [value, extended] = piece;
      if (!extended) {
        bytes += value;
        continue;
      }
      std::string_view v = value;
      if (index == 0) {
        const std::size_t q1 = v.find('\'');
        const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          charset = std::string(v.substr(0, q1));
          v = v.substr(q2 + 1);
        }
      }
      bytes += percent_decode(v);
    }
    result.params[base] = to_utf8(bytes, charset.empty() ? "utf-8" : charset);
  }
  return result;
}

}  // namespace relais::connectors::email
