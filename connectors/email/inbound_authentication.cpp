// RFC 8601 grammar, read leniently: "authserv-id [version]; method[/version]=result (comment)
// reason=... ptype.property=value; ...". Comments are dropped first; the result is the token
// after "=", the properties are the "x.y=value" tokens that follow in the same resinfo.
#include "connectors/email/inbound_authentication.hpp"

#include <optional>

#include "workflow/ascii.hpp"

namespace relais::connectors::email {
namespace {

std::string without_comments(std::string_view v) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (quoted) {
      out += c;
      if (c == '\\' && i + 1 < v.size())
        out += v[++i];
      else if (c == '"')
        quoted = false;
    } else if (depth > 0) {
      if (c == '\\')
        ++i;
      else if (c == '(')
        ++depth;
      else if (c == ')')
        --depth;
    } else if (c == '(') {
      ++depth;
      out += ' ';
    } else {
      if (c == '"')
        quoted = true;
      out += c;
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
      ++i;
    const auto b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      ++i;
    if (i > b)
      out.emplace_back(s.substr(b, i - b));
  }
  return out;
}

struct Resinfo {
  std::string method;                                           // lower case, without version
  std::string result;                                           // lower case
  std::vector<std::pair<std::string, std::string>> properties;  // "header.d", value
};

std::optional<Resinfo> read_resinfo(std::string_view text) {
  const auto w = words(text);
  if (w.empty())
    return std::nullopt;
  const auto eq = w[0].find('=');
  if (eq == std::string::npos)
    return std::nullopt;
  Resinfo r;
  r.method = lower(w[0].substr(0, std::min(eq, w[0].find('/'))));
  r.result = lower(w[0].substr(eq + 1));
  for (std::size_t i = 1; i < w.size(); ++i) {
    const auto e = w[i].find('=');
    if (e == std::string::npos || w[i].find('.') > e)
      continue;  // "reason=..." and stray words are not properties
    std::string value = w[i].substr(e + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    r.properties.emplace_back(lower(w[i].substr(0, e)), lower(value));
  }
  return r;
}

std::string property(const Resinfo& r, std::string_view name) {
  for (const auto& [k, v] : r.properties) {
    if (k == name)
      return v;
  }
  return {};
}

std::string domain_of(std::string_view address_or_domain) {
  const auto at = address_or_domain.rfind('@');
  return lower(at == std::string_view::npos ? address_or_domain : address_or_domain.substr(at + 1));
}

// Relaxed alignment (RFC 7489 3.1.1), without a public-suffix list: the same domain, or one a
// subdomain of the other, sharing at least two labels.
bool aligned(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty())
    return false;
  if (a == b)
    return true;
  const auto& longer = a.size() > b.size() ? a : b;
  const auto& shorter = a.size() > b.size() ? b : a;
  return shorter.find('.') != std::string_view::npos && longer.ends_with(shorter) &&
         longer[longer.size() - shorter.size() - 1] == '.';
}

}  // namespace

SenderAuthentication sender_authentication(const std::vector<std::string>& headers,
                                           std::string_view trusted_authserv_id,
                                           std::string_view from_address) {
  using Verdict = SenderAuthentication::Verdict;
  SenderAuthentication out;
  if (trusted_authserv_id.empty()) {
    out.detail = "no trusted authserv-id configured";
    return out;
  }
  const std::string from_domain = domain_of(from_address);
  for (const auto& raw : headers) {
    const auto parts = split(without_comments(raw), ';');
    const auto id_words = words(parts.front());
    if (id_words.empty() || !iequals(id_words.front(), trusted_authserv_id))
      continue;
    bool dkim_failed = false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const auto r = read_resinfo(parts[i]);
      if (!r)
        continue;
      if (r->method == "dmarc") {
        const auto header_from = property(*r, "header.from");
        if (!header_from.empty() && !iequals(header_from, from_domain))
          continue;  // about another From than the one we read
        if (r->result == "pass" || r->result == "fail" || r->result == "permerror") {
          out.detail = "dmarc=" + r->result;
          out.verdict = r->result == "pass" ? Verdict::pass : Verdict::fail;
          return out;
        }
        continue;  // none, temperror: an aligned DKIM signature may still say it
      }
      if (r->method == "dkim") {
        auto signer = property(*r, "header.d");
        if (signer.empty())
          signer = domain_of(property(*r, "header.i"));
        if (r->result == "pass" && aligned(signer, from_domain)) {
          out.verdict = Verdict::pass;
          out.detail = "dkim=pass header.d=" + signer;
        } else if (r->result == "fail" && out.verdict != Verdict::pass) {
          dkim_failed = true;
        }
      }
    }
    if (out.verdict == Verdict::unknown && dkim_failed) {
      out.verdict = Verdict::fail;
      out.detail = "dkim=fail";
    }
    if (out.detail.empty())
      out.detail = "neither dmarc nor an aligned dkim result";
    return out;
  }
  out.detail = "no Authentication-Results from " + std::string(trusted_authserv_id);
  return out;
}

}  // namespace relais::connectors::email
