// Word lists of the discretion checks: civil servants owe their authority discretion and
// neutrality, so a post must not insult, discriminate, take a political side, advertise a
// business or call to a religion. Each list is a UTF-8 file of etc/lexicons/ that the referent
// can edit without a rebuild:
//
//   # severity: blocking            (info, warning or blocking; required)
//   # category: insult              (free word for the checks stage; the file stem if absent)
//   # label: des insultes           (completes "Le texte contient ..."; optional)
//   # except: chili con carne       (optional, repeatable: a phrase inside which this list's
//                                    terms are not reported, e.g. "con" in a canteen menu)
//   connard                         (one term a line: a word or a phrase, any case or accents)
//   électoral*                      (a trailing '*' matches every word starting so)
//
// Matching works on words, not bytes, so that "con" is not found in "conseil": a term matches
// whole words only, whatever their case or accents ("ÉLECTION" is "election"), and the words
// of a phrase may be separated in the text by any run of spaces, line breaks, hyphens or
// apostrophes but not by other punctuation ("votez. Pour" is two sentences). An exact term
// does not match its inflections: "élection" misses "élections", which is why lists use
// "élection*"; a one-word prefix needs 3 letters, so that "c*" cannot flag half the text.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"
#include "workflow/state.hpp"

namespace relais::workflow {

struct Lexicon {
  std::string name;  // the file stem: "politique"
  std::string category;
  Severity severity = Severity::warning;
  std::string label;  // "des termes politiques ou électoraux"
  // Folded (fold_for_matching), words separated by one space, in file order, no duplicate;
  // a prefix term keeps its trailing '*'.
  std::vector<std::string> terms;
  std::vector<std::string> exceptions;  // the `# except:` phrases, folded the same way
};

struct LexiconHit {
  std::string lexicon;  // Lexicon::name
  std::string category;
  Severity severity = Severity::warning;
  std::string term;        // as written in the text: "ÉLECTIONS"
  std::size_t offset = 0;  // bytes into the text
  std::size_t length = 0;
  std::string listed;  // the list's term that matched, folded: "election*"
};

// Every *.txt file of `dir`, sorted by file name. A missing directory, an unreadable file or
// an invalid list is an error naming the file (and the line); an empty directory is not, it
// means the authority checks nothing of the kind.
Result<std::vector<Lexicon>> load_lexicons(const std::filesystem::path& dir);

// One list's text. Errors (invalid_input) read "<name>:<line>: <what>" for an unknown
// severity, a directive given twice or empty, a term with no letter or digit, a '*' elsewhere
// than at the end, a one-word prefix of fewer than 3 letters, invalid UTF-8; and
// "<name>: <what>" when the severity line or every term is missing, as no line is to blame.
Result<Lexicon> parse_lexicon(std::string_view name, std::string_view content);

// Every match in `text` (UTF-8) of every term of every lexicon, in text order (lexicon order
// at the same place). Within one lexicon the longest term wins where several overlap
// ("campagne électorale" over "électoral*"); two lexicons may report the same words. The text
// is folded once and searched through a hash of first words, so a 5,000-character post
// against a few hundred terms takes well under a millisecond.
std::vector<LexiconHit> find_lexicon_terms(std::string_view text,
                                           const std::vector<Lexicon>& lexicons);

// The folding both sides use: Latin letters (ASCII, Latin-1, Latin Extended-A, the ß/ẞ and
// the ﬁ-style ligatures) lower-cased without accents, œ -> oe, æ -> ae, ß -> ss; combining
// accents (text typed on a Mac may be decomposed), soft hyphens and zero-width characters
// dropped, so that "co\u00ADnnard" is still one word; apostrophes (' ’ ‘ ʼ) become spaces, as
// they separate words in French ("l'élection"); every other character is kept as it is.
std::string fold_for_matching(std::string_view text);

// The whole words of a folded text (letters and digits; any byte of a multi-byte character
// counts as a letter), in order.
std::vector<std::string> words_of(std::string_view folded);

}  // namespace relais::workflow
