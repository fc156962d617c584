// A delivery-status body is a sequence of header-like blocks separated by blank lines: the first
// is about the message, each next one about one recipient.
#include "connectors/email/inbound_report.hpp"

#include <map>

#include "workflow/ascii.hpp"

namespace relais::connectors::email {
namespace {

using Block = std::map<std::string, std::string>;

std::vector<Block> blocks_of(std::string_view text) {
  std::vector<Block> out(1);
  std::string last;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    pos = end + 1;
    if (trim(line).empty()) {
      if (!out.back().empty())
        out.emplace_back();
      last.clear();
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !last.empty()) {
      out.back()[last] += " " + std::string(trim(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    last = lower(trim(line.substr(0, colon)));
    out.back()[last] = std::string(trim(line.substr(colon + 1)));
  }
  return out;
}

// "rfc822; user@example.org" -> "user@example.org"; "smtp; 550 ..." -> "550 ...".
std::string after_type(std::string_view value) {
  const auto semi = value.find(';');
  return std::string(trim(semi == std::string_view::npos ? value : value.substr(semi + 1)));
}

std::string address_of(std::string_view value) {
  std::string a = after_type(value);
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>')
    a = a.substr(1, a.size() - 2);
  return lower(a);
}

}  // namespace

std::vector<RecipientReport> read_delivery_status(std::string_view delivery_status) {
  std::vector<RecipientReport> out;
  const auto blocks = blocks_of(delivery_status);
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    const auto& b = blocks[i];
    auto field = [&](const char* name) {
      auto it = b.find(name);
      return it == b.end() ? std::string() : it->second;
    };
    RecipientReport r;
    r.recipient = address_of(field("final-recipient"));
    if (r.recipient.empty())
      r.recipient = address_of(field("original-recipient"));
    if (r.recipient.empty() || r.recipient.find('@') == std::string::npos)
      continue;
    r.action = lower(field("action"));
    r.status = std::string(trim(field("status")));
    if (const auto space = r.status.find(' '); space != std::string::npos)
      r.status = r.status.substr(0, space);  // "5.0.0 (permanent failure)"
    r.diagnostic = after_type(field("diagnostic-code"));
    if (r.diagnostic.size() > 500)
      r.diagnostic = r.diagnostic.substr(0, 500);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace relais::connectors::email
