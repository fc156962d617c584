// The text is decoded once into words (folded spellings in one buffer, with the byte range of
// each word in the original text), then every word is looked up in a hash of the terms' first
// words: the cost grows with the text, not with text x terms, and no regex is built per term.
// Letters are recognised by hand rather than with <cctype> or <locale>, so that the result
// does not depend on the daemon's locale.
#include "workflow/lexicon.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "workflow/ascii.hpp"

namespace relais::workflow {
namespace {

struct CodePoint {
  std::uint32_t value = 0;
  std::size_t size = 1;  // bytes
  bool valid = true;
};

// The code point at byte i. An invalid sequence (truncated, overlong, a surrogate) is one
// invalid byte, so that a badly encoded text is still searched past it.
CodePoint decode_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80)
    return {b0, 1, true};
  const std::size_t len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size())
    return {b0, 1, false};
  std::uint32_t cp = b0 & (0x7Fu >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b >> 6) != 0x2)
      return {b0, 1, false};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  constexpr std::array<std::uint32_t, 5> kSmallest{0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return {b0, 1, false};
  return {cp, len, true};
}

constexpr std::string_view kAsciiFolded = "abcdefghijklmnopqrstuvwxyz0123456789";

// U+00C0..U+00FF; × and ÷ are not letters.
constexpr std::array<std::string_view, 64> kLatin1{
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// U+0100..U+017F (Latin Extended-A: Central European letters, Œ, Ÿ), one base letter each;
// '#' marks the two ligatures, Ĳ and Œ, that fold to two letters.
constexpr std::string_view kLatinExtA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii##jjkkkllllllllllnnnnnnnnnoooooo##"
    "rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatinExtA.size() == 128);

// The folded spelling of a Latin letter or a digit ("É" -> "e"), empty for anything else.
std::string_view fold_latin(std::uint32_t cp) {
  if (cp >= 'a' && cp <= 'z')
    return kAsciiFolded.substr(cp - 'a', 1);
  if (cp >= 'A' && cp <= 'Z')
    return kAsciiFolded.substr(cp - 'A', 1);
  if (cp >= '0' && cp <= '9')
    return kAsciiFolded.substr(26 + cp - '0', 1);
  if (cp >= 0xC0 && cp <= 0xFF)
    return kLatin1[cp - 0xC0];
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x132 || cp == 0x133)
      return "ij";
    if (cp == 0x152 || cp == 0x153)
      return "oe";
    return kLatinExtA.substr(cp - 0x100, 1);
  }
  switch (cp) {
    case 0x1E9E:  // ẞ
      return "ss";
    case 0xFB00:
      return "ff";
    case 0xFB01:
      return "fi";
    case 0xFB02:
      return "fl";
    case 0xFB03:
      return "ffi";
    case 0xFB04:
      return "ffl";
    case 0xFB05:
    case 0xFB06:
      return "st";
    default:
      return {};
  }
}

// What a code point is to the word splitter.
enum class Kind {
  letter,     // part of a word (digits too: "rn2" is not "rn")
  ignorable,  // invisible inside a word: combining accents, soft hyphen, zero-width characters
  space,      // between words; a phrase may span it
  joiner,     // hyphens and apostrophes: between words, a phrase may span them too
  other,      // punctuation, symbols, emoji, invalid bytes: a phrase stops there
};

// Letters of other scripts than Latin are letters (so that a term never matches half of a
// Greek or Cyrillic word) but are not folded.
bool other_script_letter(std::uint32_t cp) {
  return (cp >= 0x180 && cp <= 0x2AF) ||
         (cp >= 0x370 && cp <= 0x3FF && cp != 0x37E && cp != 0x387) ||
         (cp >= 0x400 && cp <= 0x52F) || (cp >= 0x531 && cp <= 0x587) ||
         (cp >= 0x5D0 && cp <= 0x5EA) || (cp >= 0x620 && cp <= 0x64A) ||
         (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x3040 && cp <= 0x30FF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3);
}

bool apostrophe(std::uint32_t cp) {
  return cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x2BC;
}

// What the code point at byte i is, and for a letter its folded spelling (the original bytes
// for a letter of another script).
struct Classified {
  Kind kind = Kind::other;
  std::string_view folded;
};

Classified classify(std::string_view text, std::size_t i, const CodePoint& c) {
  const auto cp = c.value;
  if (!c.valid)
    return {};
  if (const auto f = fold_latin(cp); !f.empty())
    return {Kind::letter, f};
  if (other_script_letter(cp))
    return {Kind::letter, text.substr(i, c.size)};
  if ((cp >= 0x300 && cp <= 0x36F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) ||
      cp == 0x2060 || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F))
    return {Kind::ignorable, {}};
  if (cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x1680 ||
      (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
      cp == 0x205F || cp == 0x3000)
    return {Kind::space, {}};
  if (apostrophe(cp) || cp == '-' || cp == 0x2010 || cp == 0x2011)
    return {Kind::joiner, {}};
  return {};
}

struct Word {
  std::size_t fold_begin = 0, fold_end = 0;  // in Words::folded
  std::size_t begin = 0, end = 0;            // bytes of the original text
  bool joined = false;  // only spaces, hyphens or apostrophes since the previous word
};

struct Words {
  std::string folded;  // the words' folded spellings, back to back
  std::vector<Word> list;

  std::string_view at(std::size_t i) const {
    return std::string_view(folded).substr(list[i].fold_begin,
                                           list[i].fold_end - list[i].fold_begin);
  }
};

Words split_words(std::string_view text) {
  Words w;
  w.folded.reserve(text.size());
  w.list.reserve(text.size() / 5);
  Word current;
  bool in_word = false;
  bool soft_gap = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = decode_at(text, i);
    const auto [kind, folded] = classify(text, i, c);
    if (kind == Kind::letter) {
      if (!in_word) {
        current = {w.folded.size(), 0, i, 0, !w.list.empty() && soft_gap};
        in_word = true;
      }
      w.folded += folded;
      current.end = i + c.size;
    } else if (kind == Kind::ignorable) {
      if (in_word)
        current.end = i + c.size;
    } else {
      if (in_word) {
        current.fold_end = w.folded.size();
        w.list.push_back(current);
        in_word = false;
        soft_gap = true;
      }
      if (kind == Kind::other)
        soft_gap = false;
    }
    i += c.size;
  }
  if (in_word) {
    current.fold_end = w.folded.size();
    w.list.push_back(current);
  }
  return w;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = decode_at(s, i);
    if (!c.valid)
      return false;
    i += c.size;
  }
  return true;
}

constexpr std::size_t kShortestPrefix = 3;

// A term line as stored in Lexicon::terms ("Élect*" -> "elect*"), or why it cannot be one.
Result<std::string> fold_term(std::string_view line) {
  const bool prefix = line.ends_with('*');
  const auto body = prefix ? line.substr(0, line.size() - 1) : line;
  if (body.find('*') != std::string_view::npos)
    return invalid_input("'*' is only allowed at the end of a term");
  const auto words = split_words(body);
  if (words.list.empty())
    return invalid_input("the term has no letter or digit");
  if (prefix) {
    const auto& last = words.list.back();
    if (last.end != body.size())
      return invalid_input("'*' must follow the start of a word, with no space");
    if (words.list.size() == 1 && last.fold_end - last.fold_begin < kShortestPrefix)
      return invalid_input("a prefix term needs at least 3 letters before '*'");
  }
  std::string out;
  for (std::size_t i = 0; i < words.list.size(); ++i) {
    if (i > 0)
      out += ' ';
    out += words.at(i);
  }
  if (prefix)
    out += '*';
  return out;
}

Error at_line(std::string_view where, std::size_t line, std::string_view what) {
  return invalid_input(std::string(where) + ":" + std::to_string(line) + ": " + std::string(what));
}

Result<Lexicon> parse_list(std::string_view where, std::string_view name,
                           std::string_view content) {
  Lexicon lex;
  lex.name = std::string(name);
  bool has_severity = false, has_category = false, has_label = false;
  if (content.starts_with("\xEF\xBB\xBF"))  // a BOM, as some Windows editors write
    content.remove_prefix(3);
  std::size_t line_no = 0;
  while (!content.empty()) {
    ++line_no;
    const auto nl = content.find('\n');
    const auto raw = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    if (!valid_utf8(raw))
      return at_line(where, line_no, "not valid UTF-8 (save the list as UTF-8)");
    const auto line = trim(raw);
    if (line.empty())
      continue;
    if (line.front() != '#') {
      auto term = fold_term(line);
      if (!term)
        return at_line(where, line_no, term.error().message);
      if (std::find(lex.terms.begin(), lex.terms.end(), *term) == lex.terms.end())
        lex.terms.push_back(std::move(*term));
      continue;
    }
    // A comment; "# key: value" is a directive when the key is one of ours, so that the
    // explanations in a list may use colons freely.
    const auto body = trim(line.substr(1));
    const auto colon = body.find(':');
    if (colon == std::string_view::npos)
      continue;
    const auto key = lower(trim(body.substr(0, colon)));
    const auto value = trim(body.substr(colon + 1));
    auto once = [&](bool& seen) -> std::optional<Error> {
      if (seen)
        return at_line(where, line_no, "'# " + key + ":' is given twice");
      if (value.empty())
        return at_line(where, line_no, "'# " + key + ":' has no value");
      seen = true;
      return std::nullopt;
    };
    if (key == "severity") {
      if (auto e = once(has_severity))
        return *e;
      const auto s = parse_severity(lower(value));
      if (!s)
        return at_line(where, line_no,
                       "unknown severity '" + std::string(value) + "' (info, warning or blocking)");
      lex.severity = *s;
    } else if (key == "category") {
      if (auto e = once(has_category))
        return *e;
      lex.category = std::string(value);
    } else if (key == "label") {
      if (auto e = once(has_label))
        return *e;
      lex.label = std::string(value);
    } else if (key == "except") {
      auto phrase = fold_term(value);
      if (!phrase)
        return at_line(where, line_no, phrase.error().message);
      lex.exceptions.push_back(std::move(*phrase));
    }
  }
  if (!has_severity)
    return invalid_input(std::string(where) +
                         ": no '# severity:' line (info, warning or blocking)");
  if (lex.terms.empty())
    return invalid_input(std::string(where) + ": no term");
  if (!has_category)
    lex.category = lex.name;
  if (!has_label)
    lex.label = "des termes de la liste « " + lex.name + " »";
  return lex;
}

// A term (or an exception) of some lexicon, as the search index holds it.
struct Entry {
  std::size_t lexicon = 0;
  std::string_view words;  // folded, without the '*'
  bool prefix = false;
  bool exception = false;
  const std::string* listed = nullptr;
  std::string_view key;  // under which the index files it
};

// Every term and exception of every list, filed under its first word, or for a one-word
// prefix under its first `prefix_key` letters (the shortest such prefix's length): a text
// word then needs two hash lookups whatever the number of terms. A phrase's '*' can only
// be on its last word, so its first word is exact.
class Index {
 public:
  explicit Index(const std::vector<Lexicon>& lexicons) {
    for (std::size_t l = 0; l < lexicons.size(); ++l) {
      for (const auto& t : lexicons[l].terms)
        add(l, t, false);
      for (const auto& t : lexicons[l].exceptions)
        add(l, t, true);
    }
    for (auto& e : entries_) {
      const auto first = e.words.substr(0, e.words.find(' '));
      e.key = e.prefix && first.size() == e.words.size() ? first.substr(0, prefix_key_) : first;
    }
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.key < b.key; });
    ranges_.reserve(entries_.size());
    for (std::size_t i = 0, j = 0; i < entries_.size(); i = j) {
      while (j < entries_.size() && entries_[j].key == entries_[i].key)
        ++j;
      ranges_.emplace(entries_[i].key, std::pair{i, j});
    }
  }

  // Calls f on every entry that may match from this word on.
  template <class F>
  void for_candidates(std::string_view word, F&& f) const {
    visit(word, f);
    if (word.size() > prefix_key_)
      visit(word.substr(0, prefix_key_), f);
  }

 private:
  void add(std::size_t lexicon, const std::string& term, bool exception) {
    Entry e{lexicon, term, term.ends_with('*'), exception, &term, {}};
    if (e.prefix)
      e.words.remove_suffix(1);
    if (e.words.empty() || e.words.front() == ' ')
      return;  // a hand-made Lexicon with an empty term: nothing can match it
    if (e.prefix && e.words.find(' ') == std::string_view::npos)
      prefix_key_ = std::min(prefix_key_, e.words.size());
    entries_.push_back(e);
  }

  template <class F>
  void visit(std::string_view key, F& f) const {
    if (const auto it = ranges_.find(key); it != ranges_.end()) {
      for (auto i = it->second.first; i < it->second.second; ++i)
        f(entries_[i]);
    }
  }

  std::vector<Entry> entries_;
  std::unordered_map<std::string_view, std::pair<std::size_t, std::size_t>> ranges_;
  std::size_t prefix_key_ = SIZE_MAX;
};

// How many text words, from word i, the entry matches; 0 when it does not.
std::size_t match_at(const Words& text, std::size_t i, const Entry& e) {
  std::size_t n = 0;
  std::size_t pos = 0;
  for (;;) {
    const auto space = e.words.find(' ', pos);
    const bool last = space == std::string_view::npos;
    const auto want = e.words.substr(pos, last ? std::string_view::npos : space - pos);
    if (i + n >= text.list.size() || (n > 0 && !text.list[i + n].joined))
      return 0;
    const auto have = text.at(i + n);
    if (!(last && e.prefix ? have.starts_with(want) : have == want))
      return 0;
    ++n;
    if (last)
      return n;
    pos = space + 1;
  }
}

struct Span {
  std::size_t first = 0, count = 0;  // in words
  const std::string* listed = nullptr;
};

}  // namespace

std::string fold_for_matching(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = decode_at(text, i);
    const auto [kind, folded] = classify(text, i, c);
    if (kind == Kind::letter) {
      out += folded;
    } else if (c.valid && apostrophe(c.value)) {
      out += ' ';
    } else if (kind != Kind::ignorable) {
      out += text.substr(i, c.size);
    }
    i += c.size;
  }
  return out;
}

Result<Lexicon> parse_lexicon(std::string_view name, std::string_view content) {
  return parse_list(name, name, content);
}

Result<std::vector<Lexicon>> load_lexicons(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return invalid_input("the word lists directory " + dir.string() +
                         " does not exist or is not a directory");
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    // Hidden files are editors' locks and macOS's "._" companions, not lists.
    // A dangling link is skipped (file_ec), it does not stop the listing.
    const auto file = p.filename().string();
    std::error_code file_ec;
    if (p.extension() == ".txt" && !file.starts_with(".") && it->is_regular_file(file_ec))
      files.push_back(p);
  }
  if (ec)
    return permanent("cannot list the word lists directory " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<Lexicon> out;
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in.good() && !in.eof())
      return permanent("cannot read the word list " + p.string());
    auto lex = parse_list(p.string(), p.stem().string(), content.str());
    if (!lex)
      return lex.error();
    out.push_back(std::move(*lex));
  }
  return out;
}

std::vector<LexiconHit> find_lexicon_terms(std::string_view text,
                                           const std::vector<Lexicon>& lexicons) {
  const Index index(lexicons);
  const auto words = split_words(text);
  std::vector<std::vector<Span>> found(lexicons.size()), excepted(lexicons.size());
  for (std::size_t i = 0; i < words.list.size(); ++i) {
    index.for_candidates(words.at(i), [&](const Entry& e) {
      if (const auto n = match_at(words, i, e))
        (e.exception ? excepted : found)[e.lexicon].push_back({i, n, e.listed});
    });
  }

  std::vector<LexiconHit> hits;
  for (std::size_t l = 0; l < lexicons.size(); ++l) {
    auto& spans = found[l];
    // Longest first at each place, then every later span that starts inside a kept one is
    // dropped: one hit per run of words for one list.
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.first != b.first ? a.first < b.first : a.count > b.count;
    });
    std::size_t free_from = 0;
    for (const auto& s : spans) {
      if (s.first < free_from)
        continue;
      const bool excused = std::any_of(excepted[l].begin(), excepted[l].end(), [&](const Span& x) {
        return x.first <= s.first && s.first + s.count <= x.first + x.count;
      });
      if (excused)
        continue;
      free_from = s.first + s.count;
      const auto begin = words.list[s.first].begin;
      const auto end = words.list[s.first + s.count - 1].end;
      hits.push_back({lexicons[l].name, lexicons[l].category, lexicons[l].severity,
                      std::string(text.substr(begin, end - begin)), begin, end - begin, *s.listed});
    }
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const LexiconHit& a, const LexiconHit& b) { return a.offset < b.offset; });
  return hits;
}

std::vector<std::string> words_of(std::string_view folded) {
  std::vector<std::string> out;
  std::string word;
  for (char c : folded) {
    const bool part =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80;
    if (part) {
      word += c;
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty())
    out.push_back(std::move(word));
  return out;
}

}  // namespace relais::workflow
