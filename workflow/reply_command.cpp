#include "workflow/reply_command.hpp"

#include <array>
#include <vector>

#include "workflow/lexicon.hpp"

namespace relais::workflow {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> lines_of(std::string_view body) {
  std::vector<std::string_view> out;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    out.push_back(body.substr(0, nl));
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
  }
  return out;
}

bool starts_with_words(const std::string& folded, std::string_view prefix) {
  return folded.starts_with(prefix);
}

// Where the quoted part or the signature begins: nothing below it is new.
bool ends_new_text(std::string_view line) {
  const std::string_view t = trim(line);
  if (t.starts_with(">"))
    return true;
  if (line == "-- " || line == "--" || line == "-- \r")
    return true;
  const std::string f = fold_for_matching(t);
  if (f.starts_with("-----original message") || f.starts_with("----- original message") ||
      f.starts_with("-----message d origine") || f.starts_with("----- message d origine") ||
      f.starts_with("________________________________"))
    return true;
  // Outlook's header block of the message answered.
  for (std::string_view head : {"de :", "de:", "from:", "from :"}) {
    if (f.starts_with(head) && f.find('@') != std::string::npos)
      return true;
  }
  // "Le … a écrit :" / "On … wrote:", possibly wrapped over two lines by the client.
  if ((f.starts_with("le ") || f.starts_with("on ")) &&
      (f.ends_with("a ecrit :") || f.ends_with("a ecrit:") || f.ends_with("wrote:") ||
       f.ends_with("wrote :")))
    return true;
  // Phone sign-offs.
  for (std::string_view sign : {"envoye de mon", "envoye depuis", "sent from my",
                                "sent from outlook", "get outlook for", "telecharger outlook"}) {
    if (f.starts_with(sign))
      return true;
  }
  return false;
}

std::string_view strip_final_punctuation(std::string_view s) {
  while (!s.empty() && (s.back() == '.' || s.back() == '!' || s.back() == ' ' || s.back() == ',' ||
                        s.back() == ';'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string reply_text(std::string_view body) {
  const auto lines = lines_of(body);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (ends_new_text(lines[i]))
      break;
    // "Le mar. 24 nov. 2026 à 10:02, Jeanne <j@x> a\n écrit :": the attribution wrapped.
    if (i + 1 < lines.size()) {
      const std::string joined =
          fold_for_matching(std::string(trim(lines[i])) + " " + std::string(trim(lines[i + 1])));
      if ((joined.starts_with("le ") || joined.starts_with("on ")) &&
          (joined.ends_with("a ecrit :") || joined.ends_with("wrote:")))
        break;
    }
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    out += line;
    out += '\n';
  }
  const auto begin = out.find_first_not_of(" \t\n");
  if (begin == std::string::npos)
    return {};
  const auto end = out.find_last_not_of(" \t\n");
  return out.substr(begin, end - begin + 1);
}

std::optional<ReplyCommand> reply_command(std::string_view new_text) {
  const auto lines = lines_of(new_text);
  std::size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty())
    ++first;
  if (first == lines.size())
    return std::nullopt;
  const std::string_view line = trim(lines[first]);
  const std::string folded = fold_for_matching(strip_final_punctuation(line));

  static constexpr std::array<std::string_view, 12> kApprove = {
      "ok",     "okay",     "approuve", "approuvee", "valide", "validee",
      "accord", "d accord", "approved", "approve",   "yes",    "oui"};
  for (auto word : kApprove) {
    if (folded == word)
      return ReplyCommand{ReplyCommand::Kind::approve, {}};
  }
  struct Prefix {
    std::string_view word;
    ReplyCommand::Kind kind;
  };
  static constexpr std::array<Prefix, 10> kWithReason = {{
      {"refuse", ReplyCommand::Kind::reject},
      {"refusee", ReplyCommand::Kind::reject},
      {"rejete", ReplyCommand::Kind::reject},
      {"rejected", ReplyCommand::Kind::reject},
      {"reject", ReplyCommand::Kind::reject},
      {"modifier", ReplyCommand::Kind::changes},
      {"modifications", ReplyCommand::Kind::changes},
      {"a modifier", ReplyCommand::Kind::changes},
      {"changes", ReplyCommand::Kind::changes},
      {"change", ReplyCommand::Kind::changes},
  }};
  // The word, then ":" or "-" (a space before it, as French typography has, is fine).
  const std::string head = fold_for_matching(line);
  for (const auto& p : kWithReason) {
    if (!starts_with_words(head, p.word))
      continue;
    std::string_view rest = std::string_view(head).substr(p.word.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '.' || rest.front() == '!'))
      rest.remove_prefix(1);
    if (!rest.empty() && rest.front() != ':' && rest.front() != '-')
      continue;  // another word follows: not a command
    // The reason as the person wrote it (not folded): after the first ':' or '-' of the line,
    // and on the lines below.
    const auto sep = line.find_first_of(":-");
    std::string note(sep == std::string_view::npos ? std::string_view()
                                                   : trim(line.substr(sep + 1)));
    for (std::size_t i = first + 1; i < lines.size(); ++i) {
      const auto more = trim(lines[i]);
      if (more.empty() && note.empty())
        continue;
      note += note.empty() ? "" : "\n";
      note += more;
    }
    const auto end = note.find_last_not_of(" \t\n");
    note = end == std::string::npos ? std::string() : note.substr(0, end + 1);
    return ReplyCommand{p.kind, std::move(note)};
  }
  return std::nullopt;
}

}  // namespace relais::workflow
