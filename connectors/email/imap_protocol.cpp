#include "connectors/email/imap_protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace relais::connectors::email::imap {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::string_view next_word(std::string_view& s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  const auto space = s.find(' ');
  const auto word = s.substr(0, space);
  s.remove_prefix(space == std::string_view::npos ? s.size() : space + 1);
  return word;
}

// Reads FETCH items: a cursor over the line, with the literals in order.
struct Cursor {
  std::string_view s;
  const std::vector<std::string>& literals;
  std::size_t next_literal = 0;

  void skip_spaces() {
    while (!s.empty() && s.front() == ' ')
      s.remove_prefix(1);
  }
  // An item name: an atom, with any "[...]" section and "<n>" partial kept whole.
  std::optional<std::string> name() {
    skip_spaces();
    std::string out;
    int depth = 0;
    while (!s.empty()) {
      const char c = s.front();
      if (depth == 0 && (c == ' ' || c == ')' || c == '('))
        break;
      if (c == '[')
        ++depth;
      else if (c == ']')
        --depth;
      out += c;
      s.remove_prefix(1);
    }
    if (out.empty())
      return std::nullopt;
    return upper(out);
  }
  // A value: NIL, a number or atom, a quoted string, a literal, or a parenthesised list
  // (returned as its raw text).
  std::optional<std::string> value() {
    skip_spaces();
    if (s.empty())
      return std::nullopt;
    if (s.front() == '"') {
      std::string out;
      s.remove_prefix(1);
      while (!s.empty() && s.front() != '"') {
        if (s.front() == '\\' && s.size() > 1)
          s.remove_prefix(1);
        out += s.front();
        s.remove_prefix(1);
      }
      if (s.empty())
        return std::nullopt;
      s.remove_prefix(1);
      return out;
    }
    if (s.front() == '{') {
      const auto close = s.find('}');
      if (close == std::string_view::npos || next_literal >= literals.size())
        return std::nullopt;
      s.remove_prefix(close + 1);
      return literals[next_literal++];
    }
    if (s.front() == '(') {
      int depth = 0;
      std::size_t i = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '(')
          ++depth;
        else if (s[i] == ')' && --depth == 0)
          break;
        else if (s[i] == '{')
          ++next_literal;  // a literal inside a list (an address, a body structure): skipped
      }
      if (i == s.size())
        return std::nullopt;
      std::string out(s.substr(1, i - 1));
      s.remove_prefix(i + 1);
      return out;
    }
    std::string out;
    while (!s.empty() && s.front() != ' ' && s.front() != ')') {
      out += s.front();
      s.remove_prefix(1);
    }
    return out;
  }
};

// Appends the UTF-16 code units of a UTF-8 string; malformed bytes are taken as Latin-1.
std::u16string utf16_of(std::string_view s) {
  std::u16string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    char32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xC0 && c < 0xE0)
      len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c < 0xF0)
      len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c < 0xF8)
      len = 4, cp = c & 0x07;
    bool ok = len == 1 ? c < 0x80 : i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out += static_cast<char16_t>(c);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
    i += len;
  }
  return out;
}

}  // namespace

std::optional<std::size_t> literal_at_end(std::string_view line) {
  if (line.empty() || line.back() != '}')
    return std::nullopt;
  const auto open = line.rfind('{');
  if (open == std::string_view::npos)
    return std::nullopt;
  auto digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+')
    digits.remove_suffix(1);
  return number<std::size_t>(digits);
}

std::optional<Status> tagged_status(std::string_view tag, std::string_view line) {
  if (!line.starts_with(tag) || line.size() <= tag.size() || line[tag.size()] != ' ')
    return std::nullopt;
  std::string_view rest = line.substr(tag.size() + 1);
  Status st;
  st.tag = std::string(tag);
  st.kind = upper(next_word(rest));
  if (st.kind != "OK" && st.kind != "NO" && st.kind != "BAD")
    return std::nullopt;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close != std::string_view::npos) {
      st.code = std::string(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
      while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    }
  }
  st.text = std::string(rest);
  return st;
}

std::optional<std::pair<std::string, std::string>> response_code(std::string_view line) {
  const auto open = line.find('[');
  if (open == std::string_view::npos)
    return std::nullopt;
  const auto close = line.find(']', open);
  if (close == std::string_view::npos)
    return std::nullopt;
  std::string_view code = line.substr(open + 1, close - open - 1);
  const auto space = code.find(' ');
  if (space == std::string_view::npos)
    return std::pair{upper(code), std::string()};
  return std::pair{upper(code.substr(0, space)), std::string(code.substr(space + 1))};
}

std::optional<std::uint32_t> untagged_number(std::string_view line, std::string_view word) {
  if (!line.starts_with("* "))
    return std::nullopt;
  std::string_view rest = line.substr(2);
  const auto n = number<std::uint32_t>(next_word(rest));
  if (!n || upper(next_word(rest)) != upper(word))
    return std::nullopt;
  return n;
}

std::optional<std::vector<std::string>> capabilities(std::string_view line) {
  std::string_view list;
  if (upper(line.substr(0, 13)) == "* CAPABILITY ") {
    list = line.substr(13);
  } else if (auto code = response_code(line); code && code->first == "CAPABILITY") {
    const auto at = line.find(code->second);
    list = line.substr(at, code->second.size());
  } else {
    return std::nullopt;
  }
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto word = next_word(list);
    if (!word.empty())
      out.push_back(upper(word));
  }
  return out;
}

std::optional<std::vector<std::uint32_t>> search_result(std::string_view line) {
  if (upper(line.substr(0, 8)) != "* SEARCH")
    return std::nullopt;
  std::string_view rest = line.substr(8);
  std::vector<std::uint32_t> out;
  while (!rest.empty()) {
    const auto word = next_word(rest);
    if (word.empty())
      continue;
    const auto n = number<std::uint32_t>(word);
    if (!n)
      return std::nullopt;
    out.push_back(*n);
  }
  return out;
}

std::optional<Fetched> fetch_result(const Response& response) {
  std::string_view line = response.line;
  if (!line.starts_with("* "))
    return std::nullopt;
  line.remove_prefix(2);
  Fetched f;
  const auto seq = number<std::uint32_t>(next_word(line));
  if (!seq || upper(next_word(line)) != "FETCH" || !line.starts_with("("))
    return std::nullopt;
  f.sequence = *seq;
  Cursor c{line.substr(1), response.literals};
  for (;;) {
    c.skip_spaces();
    if (c.s.empty())
      return std::nullopt;
    if (c.s.front() == ')')
      break;
    const auto name = c.name();
    if (!name)
      return std::nullopt;
    auto value = c.value();
    if (!value)
      return std::nullopt;
    if (*name == "UID") {
      f.uid = number<std::uint32_t>(*value);
    } else if (*name == "RFC822.SIZE") {
      f.size = number<std::uint64_t>(*value);
    } else if (name->starts_with("BODY[]") || *name == "RFC822") {  // BODY[]<0> when partial
      f.body = std::move(*value);
    } else if (*name == "FLAGS") {
      std::string_view flags = *value;
      while (!flags.empty()) {
        const auto flag = next_word(flags);
        if (!flag.empty())
          f.flags.emplace_back(flag);
      }
    }
  }
  return f;
}

std::string modified_utf7(std::string_view utf8) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  const std::u16string units = utf16_of(utf8);
  std::string out;
  for (std::size_t i = 0; i < units.size();) {
    const char16_t u = units[i];
    if (u >= 0x20 && u <= 0x7E) {
      out += u == '&' ? std::string("&-") : std::string(1, static_cast<char>(u));
      ++i;
      continue;
    }
    std::string bytes;
    while (i < units.size() && !(units[i] >= 0x20 && units[i] <= 0x7E)) {
      bytes += static_cast<char>(units[i] >> 8);
      bytes += static_cast<char>(units[i] & 0xFF);
      ++i;
    }
    out += '&';
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char b : bytes) {
      acc = (acc << 8) | b;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += kAlphabet[(acc >> bits) & 0x3F];
      }
    }
    if (bits > 0)
      out += kAlphabet[(acc << (6 - bits)) & 0x3F];
    out += '-';
  }
  return out;
}

std::string mailbox_argument(std::string_view utf8) {
  std::string out = "\"";
  for (char c : modified_utf7(utf8)) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

Result<std::string> quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\r' || u == '\n' || u == 0 || u >= 0x80)
      return invalid_input("The text cannot be sent in an IMAP quoted string.");
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace relais::connectors::email::imap
