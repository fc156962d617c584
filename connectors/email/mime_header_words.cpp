// RFC 2047 header decoding done here rather than by GMime (3.2.13 mis-decodes adjacent
// encoded-words, upstream issue 133). Never fails: a malformed encoded-word is kept as text.
#include <algorithm>
#include <cctype>
#include <optional>

#include "connectors/email/mime_charset.hpp"
#include "connectors/email/mime_reader.hpp"
#include "connectors/email/mime_transfer_decoding.hpp"

namespace relais::connectors::email {
namespace {

struct EncodedWord {
  std::string charset;  // lowercase, RFC 2231 language suffix removed
  std::string bytes;    // decoded, still in charset
  std::size_t length = 0;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Parses "=?charset?B|Q?text?=" at the start of s.
std::optional<EncodedWord> parse_encoded_word(std::string_view s) {
  if (s.size() < 8 || s[0] != '=' || s[1] != '?') {
    return std::nullopt;
  }
  const std::size_t q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 == 2 || q1 + 3 >= s.size() || s[q1 + 2] != '?') {
    return std::nullopt;
  }
  const char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  if (enc != 'B' && enc != 'Q') {
    return std::nullopt;
  }
  const std::size_t text_start = q1 + 3;
  const std::size_t end = s.find("?=", text_start);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view charset = s.substr(2, q1 - 2);
  std::string_view text = s.substr(text_start, end - text_start);
  if (std::any_of(charset.begin(), charset.end(), is_space) ||
      std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; })) {
    return std::nullopt;
  }
  if (const auto star = charset.find('*'); star != std::string_view::npos) {
    charset = charset.substr(0, star);
  }
  EncodedWord w;
  w.charset.assign(charset);
  std::transform(w.charset.begin(), w.charset.end(), w.charset.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  w.bytes = enc == 'B' ? decode_base64_tolerant(text) : decode_q_word(text);
  w.length = end + 2;
  return w;
}

std::string without_controls(std::string s) {
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      c = ' ';
    }
  }
  return s;
}

}  // namespace

std::string decode_header_words(std::string_view raw) {
  // Unfold: a line break followed by whitespace is removed (RFC 5322 2.2.3).
  std::string unfolded;
  unfolded.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') {
      unfolded.push_back(c);
    }
  }
  std::string_view s = unfolded;

  std::string out;
  std::string literal;    // plain text not yet converted
  std::string run_bytes;  // bytes of adjacent encoded-words sharing one charset
  std::string run_charset;
  std::string pending_space;  // whitespace after an encoded-word, dropped if another follows
  auto flush_literal = [&] {
    out += to_utf8(literal, "utf-8");
    literal.clear();
  };
  auto flush_run = [&] {
    if (!run_bytes.empty() || !run_charset.empty()) {
      // Words of one charset are joined before conversion: clients split multibyte
      // characters across words.
      out += to_utf8(run_bytes, run_charset);
    }
    run_bytes.clear();
    run_charset.clear();
  };

  std::size_t i = 0;
  bool after_word = false;
  while (i < s.size()) {
    if (s[i] == '=' && i + 1 < s.size() && s[i + 1] == '?') {
      if (auto w = parse_encoded_word(s.substr(i))) {
        if (after_word) {
          pending_space.clear();  // whitespace between adjacent encoded-words is dropped
          if (w->charset != run_charset) {
            flush_run();
          }
        } else {
          flush_literal();
        }
        run_charset = w->charset;
        run_bytes += w->bytes;
        i += w->length;
        after_word = true;
        continue;
      }
    }
    if (after_word && is_space(s[i])) {
      pending_space.push_back(s[i]);
      ++i;
      continue;
    }
    if (after_word) {
      flush_run();
      literal += pending_space;
      pending_space.clear();
      after_word = false;
    }
    literal.push_back(s[i]);
    ++i;
  }
  flush_run();
  literal += pending_space;
  flush_literal();
  return without_controls(std::move(out));
}

}  // namespace relais::connectors::email
