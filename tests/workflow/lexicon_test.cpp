// The discretion word lists: how a list file is read (and refused), how terms are found in a
// post (whole words, any case or accents, phrases across line breaks, prefixes), what must
// not be found (a short insult inside an ordinary word), and the lists shipped in etc/lexicons.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "workflow/lexicon.hpp"

using namespace relais::workflow;
namespace fs = std::filesystem;

namespace {

Lexicon make(std::string_view content, std::string_view name = "test") {
  auto lex = parse_lexicon(name, content);
  REQUIRE_MESSAGE(lex.ok(), lex.error().message);
  return *lex;
}

std::vector<Lexicon> one(std::string_view terms) {
  return {make("# severity: warning\n" + std::string(terms))};
}

// The words of `text` that the lists flag, as written.
std::vector<std::string> found(std::string_view text, const std::vector<Lexicon>& lexicons) {
  std::vector<std::string> out;
  for (const auto& h : find_lexicon_terms(text, lexicons))
    out.push_back(h.term);
  return out;
}

std::vector<std::string> found(std::string_view text, std::string_view terms) {
  return found(text, one(terms));
}

using Words = std::vector<std::string>;

std::string error_of(std::string_view content) {
  auto lex = parse_lexicon("liste", content);
  REQUIRE_FALSE(lex.ok());
  CHECK(lex.error().kind == relais::ErrorKind::invalid_input);
  return lex.error().message;
}

const std::vector<Lexicon>& shipped() {
  static const auto lists = [] {
    auto r = load_lexicons(fs::path(RELAIS_SOURCE_DIR) / "etc" / "lexicons");
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    return *r;
  }();
  return lists;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("relais-lexicon-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, std::string_view content) const {
    std::ofstream(path / name, std::ios::binary) << content;
  }
};

}  // namespace

TEST_CASE("lexicon: directives, comments and blank lines") {
  const auto lex = make(
      "# Une liste d'essai : les deux-points d'un commentaire ne gênent pas.\n"
      "# severity: blocking\n"
      "#category:  insult \n"
      "# Label: des insultes ou des grossièretés\n"
      "\n"
      "   \n"
      "Connard\r\n"
      "  fils de PUTE  \n"
      "# a comment between terms\n"
      "connard\n"
      "Élect*\n",
      "insultes");
  CHECK(lex.name == "insultes");
  CHECK(lex.severity == Severity::blocking);
  CHECK(lex.category == "insult");
  CHECK(lex.label == "des insultes ou des grossièretés");
  CHECK(lex.terms == Words{"connard", "fils de pute", "elect*"});  // folded, no duplicate
}

TEST_CASE("lexicon: category and label default to the list's name") {
  const auto lex = make("# severity: info\nmot\n", "divers");
  CHECK(lex.severity == Severity::info);
  CHECK(lex.category == "divers");
  CHECK(lex.label.find("divers") != std::string::npos);
}

TEST_CASE("lexicon: a list without a valid severity is refused, with its line") {
  CHECK(error_of("mot\n").find("liste: no '# severity:' line") == 0);
  const auto bad = error_of("# commentaire\n# severity: severe\nmot\n");
  CHECK(bad.find("liste:2:") == 0);
  CHECK(bad.find("severe") != std::string::npos);
  CHECK(error_of("# severity: warning\n# severity: blocking\nmot\n").find("liste:2:") == 0);
  CHECK(error_of("# severity:\nmot\n").find("liste:1:") == 0);
}

TEST_CASE("lexicon: a list without a term is refused") {
  CHECK(error_of("# severity: warning\n# label: rien\n\n") == "liste: no term");
  CHECK(error_of("") == "liste: no '# severity:' line (info, warning or blocking)");
}

TEST_CASE("lexicon: malformed terms are refused with their line") {
  CHECK(error_of("# severity: warning\nok\n!!!\n").find("liste:3:") == 0);
  CHECK(error_of("# severity: warning\nél*ection\n").find("liste:2:") == 0);
  CHECK(error_of("# severity: warning\nco*\n").find("3 letters") != std::string::npos);
  CHECK(error_of("# severity: warning\nvotez *\n").find("liste:2:") == 0);
  CHECK(error_of("# severity: warning\n\xe9lection\n").find("UTF-8") != std::string::npos);
  // In a phrase the words before the prefix are exact, so a short prefix is harmless.
  CHECK(make("# severity: warning\nfils de p*\n").terms == Words{"fils de p*"});
}

TEST_CASE("lexicon: folding lowers, strips accents and splits at apostrophes") {
  CHECK(fold_for_matching("ÉLECTION") == "election");
  CHECK(fold_for_matching("àâäáãå ÇÉÈÊË íìîï ñ óòôöõ úùûü ýÿ") ==
        "aaaaaa ceeee iiii n ooooo uuuu yy");
  CHECK(fold_for_matching("Œuvre, cœur, Æther, straße, STRAẞE") ==
        "oeuvre, coeur, aether, strasse, strasse");
  CHECK(fold_for_matching("l'élu, l’élue") == "l elu, l elue");
  CHECK(fold_for_matching("Ελλάδα 日本 €") == "Ελλάδα 日本 €");  // other scripts kept
  CHECK(fold_for_matching("e\xcc\x81lection") == "election");    // decomposed é (NFD)
}

TEST_CASE("lexicon: case and accents do not matter, on either side") {
  CHECK(found("ÉLECTION du conseil", "election") == Words{"ÉLECTION"});
  CHECK(found("une election", "Élection") == Words{"election"});
  CHECK(found("Le Cœur", "coeur") == Words{"Cœur"});
  CHECK(found("PÉTASSE", "pétasse") == Words{"PÉTASSE"});
}

TEST_CASE("lexicon: whole words only") {
  const auto con = one("con\nrn\n");
  CHECK(found("Le conseil municipal, contact : mairie. Bonne journée, Corne.", con).empty());
  CHECK(found("Quel con !", con) == Words{"con"});
  CHECK(found("(con)", con) == Words{"con"});
  CHECK(found("rn2 et 2rn", con).empty());  // digits belong to the word
  CHECK(found("le RN, « rn »", con) == Words{"RN", "rn"});
  CHECK(found("l'élection", "election") == Words{"élection"});  // apostrophe separates
  CHECK(found("les élections", "election").empty());            // an exact term is not a prefix
  CHECK(found("Ελληνικάcon", con).empty());  // a letter of another script is a letter too
  CHECK(found("co\xc2\xad"
              "nnard",
              "connard") == Words{"co\xc2\xad"
                                  "nnard"});  // soft hyphen
}

TEST_CASE("lexicon: phrases span spaces, line breaks, hyphens and apostrophes, not punctuation") {
  const auto vote = one("votez pour\nconvertissez-vous\njusqu'à épuisement\n");
  CHECK(found("Votez  pour lui", vote) == Words{"Votez  pour"});
  CHECK(found("Votez\r\npour lui", vote) == Words{"Votez\r\npour"});
  CHECK(found("votez\xc2\xa0pour", vote) == Words{"votez\xc2\xa0pour"});  // no-break space
  CHECK(found("Convertissez vous", vote) == Words{"Convertissez vous"});
  CHECK(found("convertissez-vous", vote) == Words{"convertissez-vous"});
  CHECK(found("jusqu’à épuisement", vote) == Words{"jusqu’à épuisement"});
  CHECK(found("Votez. Pour le reste, voyez la mairie.", vote).empty());
  CHECK(found("votez, pour", vote).empty());
  CHECK(found("votez", vote).empty());
  CHECK(found("votez pourtant", vote).empty());
}

TEST_CASE("lexicon: a trailing '*' matches every word starting so") {
  const auto lex = one("élect*\nfils de p*\n");
  CHECK(found("ÉLECTIONS, électorale, électeur, Elect", lex) ==
        Words{"ÉLECTIONS", "électorale", "électeur", "Elect"});
  CHECK(found("sélection, élu", lex).empty());  // a prefix still starts at a word's start
  CHECK(found("fils de pute", lex) == Words{"fils de pute"});
  const auto hits = find_lexicon_terms("les élections", lex);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].listed == "elect*");
}

TEST_CASE("lexicon: offsets and lengths point into the original text") {
  const std::string text = "Œuvre d’art : « VOTEZ  POUR » l’ÉLECTION.";
  const auto hits = find_lexicon_terms(text, one("votez pour\nelection\noeuvre\n"));
  REQUIRE(hits.size() == 3);
  CHECK(text.substr(hits[0].offset, hits[0].length) == "Œuvre");
  CHECK(hits[0].offset == 0);
  CHECK(text.substr(hits[1].offset, hits[1].length) == "VOTEZ  POUR");
  CHECK(text.substr(hits[2].offset, hits[2].length) == "ÉLECTION");
  CHECK(hits[2].offset + hits[2].length == text.size() - 1);
  for (const auto& h : hits)
    CHECK(h.term == text.substr(h.offset, h.length));
}

TEST_CASE("lexicon: hits carry their list, in text order; the longest term wins in a list") {
  const std::vector<Lexicon> lists{
      make("# severity: warning\n# category: political\ncampagne électorale\nélectoral*\n",
           "politique"),
      make("# severity: blocking\n# category: insult\ncon\n", "insultes")};
  const auto hits = find_lexicon_terms("Quel con, cette campagne électorale électorale", lists);
  REQUIRE(hits.size() == 3);
  CHECK(hits[0].lexicon == "insultes");
  CHECK(hits[0].category == "insult");
  CHECK(hits[0].severity == Severity::blocking);
  CHECK(hits[1].term == "campagne électorale");  // not also "électorale" inside it
  CHECK(hits[1].severity == Severity::warning);
  CHECK(hits[1].listed == "campagne electorale");
  CHECK(hits[2].term == "électorale");
}

TEST_CASE("lexicon: an exception hides the list's terms inside it") {
  const auto lex = one("# except: chili con carne\n# except: pain bâtard\ncon\nbâtard\n");
  CHECK(lex[0].exceptions == Words{"chili con carne", "pain batard"});
  CHECK(found("Menu : chili con carne, pain bâtard.", lex).empty());
  CHECK(found("Chili con carne pour ce con.", lex) == Words{"con"});
}

TEST_CASE("lexicon: nothing to find in nothing") {
  CHECK(find_lexicon_terms("", one("mot\n")).empty());
  CHECK(find_lexicon_terms("un mot", {}).empty());
  CHECK(found("\xff\xfe mot \xc3", "mot") == Words{"mot"});  // invalid bytes are separators
}

TEST_CASE("lexicon: loading a directory sorts the lists and names a faulty file") {
  TempDir dir;
  dir.write("b.txt", "# severity: warning\nbeta\n");
  dir.write("a.txt", "# severity: blocking\nalpha\n");
  dir.write("notes.md", "not a list");
  dir.write(".#a.txt", "an editor's lock file");
  auto lists = load_lexicons(dir.path);
  REQUIRE_MESSAGE(lists.ok(), lists.error().message);
  REQUIRE(lists->size() == 2);
  CHECK((*lists)[0].name == "a");
  CHECK((*lists)[1].name == "b");

  dir.write("c.txt", "# severity: loud\ngamma\n");
  lists = load_lexicons(dir.path);
  REQUIRE_FALSE(lists.ok());
  CHECK(lists.error().kind == relais::ErrorKind::invalid_input);
  CHECK(lists.error().message.find((dir.path / "c.txt").string() + ":1:") == 0);

  auto missing = load_lexicons(dir.path / "absent");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("absent") != std::string::npos);
}

TEST_CASE("lexicon: the shipped lists load and are sensible") {
  const auto& lists = shipped();
  std::vector<std::string> names, categories;
  for (const auto& l : lists) {
    CAPTURE(l.name);
    names.push_back(l.name);
    categories.push_back(l.category);
    CHECK(l.terms.size() >= 40);
    CHECK(l.terms.size() <= 150);
    CHECK(l.label.starts_with("des "));
  }
  CHECK(names == Words{"commercial", "discrimination", "insultes", "politique", "proselytisme"});
  CHECK(categories == Words{"commercial", "discrimination", "insult", "political", "proselytism"});
  auto severity_of = [&](std::string_view name) {
    for (const auto& l : lists)
      if (l.name == name)
        return l.severity;
    FAIL("no list " << name);
    return Severity::info;
  };
  CHECK(severity_of("insultes") == Severity::blocking);
  CHECK(severity_of("discrimination") == Severity::blocking);
  CHECK(severity_of("politique") == Severity::warning);
  CHECK(severity_of("commercial") == Severity::warning);
  CHECK(severity_of("proselytisme") == Severity::warning);
}

TEST_CASE("lexicon: ordinary municipal posts raise nothing with the shipped lists") {
  for (const char* text : {
           "Le conseil municipal a voté le budget 2027. Inauguration de la médiathèque samedi "
           "à 10 h, en présence des élus.",
           "Collecte des ordures ménagères décalée au mardi. Contact : services techniques.",
           "Travaux sur la RN 7 : déviation par la route départementale. Merci de votre "
           "patience.",
           "Menu de la cantine : chili con carne, pain bâtard, compote. Bonne journée !",
           "Concert de l'école de musique : allegro con brio. Entrée gratuite, promotion 2026 "
           "à l'honneur.",
           "Le raton laveur est une espèce invasive : signalez-le en mairie.",
           "Nous vous prions de bien vouloir excuser le retard des travaux. Visite de l'église "
           "Saint-Martin dimanche.",
           "Offres d'emploi : envoyez votre candidature avant le 15 mars. Police municipale "
           "renforcée.",
       }) {
    CAPTURE(text);
    const auto hits = find_lexicon_terms(text, shipped());
    for (const auto& h : hits)
      CAPTURE(h.term);
    CHECK(hits.empty());
  }
}

TEST_CASE("lexicon: what each shipped list is there for") {
  auto lists_hit = [](std::string_view text) {
    std::vector<std::string> out;
    for (const auto& h : find_lexicon_terms(text, shipped()))
      out.push_back(h.lexicon + ":" + h.term);
    return out;
  };
  CHECK(lists_hit("Votez pour notre candidat aux municipales") ==
        Words{"politique:Votez pour", "politique:candidat", "politique:aux municipales"});
  CHECK(lists_hit("Réunion de La France Insoumise, ÉLECTIONS 2026") ==
        Words{"politique:La France Insoumise", "politique:ÉLECTIONS"});
  CHECK(lists_hit("Vote for our candidate!") == Words{"politique:Vote for", "politique:candidate"});
  CHECK(lists_hit("Code promo SOLDES20 : -30 % chez notre partenaire, buy now") ==
        Words{"commercial:Code promo", "commercial:buy now"});
  CHECK(lists_hit("Convertissez-vous ! Prière collective à 18 h") ==
        Words{"proselytisme:Convertissez-vous", "proselytisme:Prière collective"});
  CHECK(lists_hit("Quel connard, ce con") == Words{"insultes:connard", "insultes:con"});
  CHECK(lists_hit("This is bullshit") == Words{"insultes:bullshit"});
  CHECK(lists_hit("Sale juif !") == Words{"discrimination:Sale juif"});
  for (const auto& h : find_lexicon_terms("Quel con, votez pour nous", shipped())) {
    CAPTURE(h.term);
    CHECK(h.severity == (h.lexicon == "insultes" ? Severity::blocking : Severity::warning));
  }
}
