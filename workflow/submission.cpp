// Structured lines are matched on their label before the first colon, accent- and
// case-insensitively for the few labels we know ("Réseaux", "reseaux", "Networks").
#include "workflow/submission.hpp"

#include <algorithm>
#include <cctype>

namespace relais::workflow {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Lowercase ASCII and fold the accented letters that appear in our labels.
std::string fold(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC3 && i + 1 < s.size()) {
      const unsigned char n = static_cast<unsigned char>(s[i + 1]);
      if (n == 0xA9 || n == 0x89 || n == 0xA8 || n == 0xAA) {  // é É è ê
        out += 'e';
        ++i;
        continue;
      }
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::string item;
  for (char c : s) {
    if (c == ',' || c == ';' || c == ' ') {
      if (!item.empty())
        out.push_back(fold(item));
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty())
    out.push_back(fold(item));
  return out;
}

// The line mail programs put above the quoted message: "Le 3 mars 2026 à 10:02, X a écrit :",
// "On Tue, Mar 3, 2026 at 10:02 AM X wrote:", Outlook's "-----Original Message-----" and its
// French form.
bool is_quote_header(std::string_view line) {
  const std::string l = trim(fold(line));
  auto ends_with = [&](std::string_view tail) {
    return l.size() >= tail.size() && l.compare(l.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (l.starts_with("le ") && (ends_with("a ecrit :") || ends_with("a ecrit:")))
    return true;
  if (l.starts_with("on ") && ends_with("wrote:"))
    return true;
  return l.starts_with("-----original message") || l.starts_with("-----message d'origine");
}

}  // namespace

BodyFields read_body_fields(std::string_view body) {
  BodyFields f;
  std::string text;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const auto end = std::min(body.find('\n', pos), body.size());
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line == "-- " || line == "--")
      break;  // signature separator: the rest is signature
    if (is_quote_header(line))
      break;  // a reply: what follows is the message it answers
    if (!line.empty() && line.front() == '>')
      continue;  // quoted text of the message answered
    const auto colon = line.find(':');
    bool structured = false;
    if (colon != std::string_view::npos && colon < 24) {
      const std::string label = trim(fold(line.substr(0, colon)));
      const std::string value = trim(line.substr(colon + 1));
      structured = true;
      if (label == "auteur" || label == "author" || label == "photo" || label == "credit") {
        f.author = value;
      } else if (label == "personnes" || label == "people" || label == "persons") {
        f.people = value;
      } else if (label == "consentement" || label == "consent") {
        f.consent = value;
      } else if (label == "date") {
        f.date = value;
      } else if (label == "reseaux" || label == "networks" || label == "channels") {
        f.networks = split_list(value);
      } else {
        structured = false;
      }
    }
    if (!structured) {
      text += line;
      text += '\n';
    }
    if (end == body.size())
      break;
  }
  f.text = trim(text);
  return f;
}

}  // namespace relais::workflow
