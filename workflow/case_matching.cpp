// Matching is read-only over the store; the desk records what it returns. The perceptual
// comparison scans every public media row: 10,000 hashes are 20,000 popcounts, well under a
// millisecond, so no index is needed at the sizes a local authority reaches.
#include "workflow/case_matching.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "workflow/ascii.hpp"

namespace relais::workflow {
namespace {

bool is_url_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' &&
         c != '{' && c != '}' && c != '|' && c != '\\' && c != '^';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool public_state(State s) {
  return s == State::scheduled || s == State::publishing || s == State::published ||
         s == State::failed || s == State::taken_down;
}

}  // namespace

std::vector<std::string> urls_in(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto http = text.find("http", pos);
    if (http == std::string_view::npos)
      break;
    const auto rest = text.substr(http);
    std::size_t scheme = 0;
    if (iequals(rest.substr(0, 8), "https://"))
      scheme = 8;
    else if (iequals(rest.substr(0, 7), "http://"))
      scheme = 7;
    if (scheme == 0) {
      pos = http + 4;
      continue;
    }
    std::size_t end = http + scheme;
    while (end < text.size() && is_url_char(text[end]))
      ++end;
    std::string url(text.substr(http, end - http));
    while (!url.empty() && std::string_view(".,;:!?)]").find(url.back()) != std::string_view::npos)
      url.pop_back();
    if (url.size() > scheme)
      out.push_back(url);
    pos = end;
  }
  return out;
}

std::vector<std::string> references_in(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 4 <= text.size(); ++i) {
    if (!iequals(text.substr(i, 4), "PUB-"))
      continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) != 0))
      continue;
    std::size_t j = i + 4;
    std::size_t year_end = j;
    while (year_end < text.size() && is_digit(text[year_end]))
      ++year_end;
    if (year_end - j != 4 || year_end >= text.size() || text[year_end] != '-')
      continue;
    std::size_t num_end = year_end + 1;
    while (num_end < text.size() && is_digit(text[num_end]))
      ++num_end;
    if (num_end - (year_end + 1) < 4 || num_end - (year_end + 1) > 8)
      continue;
    // "pub-2026-0001-1.jpg" (a site media file) still names PUB-2026-0001.
    std::string ref = "PUB-" + std::string(text.substr(j, num_end - j));
    if (std::find(out.begin(), out.end(), ref) == out.end())
      out.push_back(ref);
    i = num_end - 1;
  }
  return out;
}

std::string normalize_url(std::string_view url) {
  std::string out(url);
  const auto scheme_end = out.find("://");
  if (scheme_end == std::string::npos)
    return out;
  auto host_end = out.find_first_of("/?#", scheme_end + 3);
  if (host_end == std::string::npos)
    host_end = out.size();
  std::string scheme = lower(out.substr(0, scheme_end));
  std::string host = lower(out.substr(scheme_end + 3, host_end - scheme_end - 3));
  if (scheme == "https" && host.ends_with(":443"))
    host.resize(host.size() - 4);
  if (scheme == "http" && host.ends_with(":80"))
    host.resize(host.size() - 3);
  std::string rest = out.substr(host_end);
  if (rest == "/")
    rest.clear();
  else if (rest.size() > 1 && rest.back() == '/' && rest.find_first_of("?#") == std::string::npos)
    rest.pop_back();
  return scheme + "://" + host + rest;
}

std::vector<CaseMatch> find_matches(Store& store, const CaseDraft& draft,
                                    const MatchSettings& settings) {
  std::vector<CaseMatch> out;
  std::set<std::tuple<std::int64_t, std::string, std::int64_t>> seen;
  auto add = [&](CaseMatch m) {
    const auto key = std::make_tuple(m.request_id, m.basis, m.media_id.value_or(0));
    if (seen.insert(key).second)
      out.push_back(std::move(m));
  };
  auto request_is_public = [&](std::int64_t id) {
    auto r = store.load_request(id);
    return r && public_state(r->state);
  };

  for (auto id : draft.requests) {
    if (request_is_public(id))
      add({0, 0, id, std::nullopt, draft.origin == "consent" ? "consent" : "reference", true,
           std::nullopt, "", std::nullopt, ""});
  }
  const auto urls = urls_in(draft.text);
  for (const auto& url : urls) {
    std::vector<std::int64_t> ids = store.requests_with_post_url(url);
    if (ids.empty())
      ids = store.requests_with_post_url(normalize_url(url));
    for (auto id : ids)
      add({0, 0, id, std::nullopt, "url", true, std::nullopt, url, std::nullopt, ""});
    for (const auto& ref : references_in(url)) {
      if (auto r = store.find_request(ref); r && public_state(r->state))
        add({0, 0, r->id, std::nullopt, "url", true, std::nullopt, url, std::nullopt, ""});
    }
  }
  for (const auto& ref : references_in(draft.text)) {
    if (auto r = store.find_request(ref); r && public_state(r->state))
      add({0, 0, r->id, std::nullopt, "reference", true, std::nullopt, ref, std::nullopt, ""});
  }

  const int compared =
      std::min<int>(settings.max_attachments, static_cast<int>(draft.evidence.size()));
  if (compared > 0) {
    const auto media = store.public_media();
    for (int i = 0; i < compared; ++i) {
      const auto& ev = draft.evidence[static_cast<std::size_t>(i)];
      for (const auto& pm : media) {
        const auto& m = pm.media;
        if (m.sha256 == ev.sha256) {
          add({0, 0, m.request_id, m.id, "sha256", true, 0, ev.filename, std::nullopt, ""});
          continue;
        }
        if (!ev.hashes || !m.hashes)
          continue;
        const int d = image_distance(*ev.hashes, *m.hashes);
        if (d <= settings.possible_distance) {
          add({0, 0, m.request_id, m.id, "phash", d <= settings.match_distance, d, ev.filename,
               std::nullopt, ""});
        }
      }
    }
  }

  // Persons of the registry named in the text, or whose address is the requester's.
  const auto named = store.persons_named_in(draft.text, draft.requester);
  for (const auto& [person, how] : named) {
    auto links = store.db().prepare(
        "SELECT DISTINCT request_id, media_id FROM person_media WHERE person_id = ? "
        "ORDER BY request_id");
    links.bind_all(person);
    while (links.step()) {
      const auto request_id = links.int64(0);
      if (request_is_public(request_id))
        add({0, 0, request_id, links.optional_int64(1), "person", false, std::nullopt,
             fmt::format("person {} ({})", person, how), std::nullopt, ""});
    }
  }

  // An uncertain reason to remove a request that a certain one removes anyway would only
  // ask the referent to confirm what is already done.
  std::set<std::int64_t> certain;
  for (const auto& m : out) {
    if (m.certain)
      certain.insert(m.request_id);
  }
  std::erase_if(out, [&](const CaseMatch& m) { return !m.certain && certain.count(m.request_id); });
  std::stable_sort(out.begin(), out.end(),
                   [](const CaseMatch& a, const CaseMatch& b) { return a.certain > b.certain; });
  return out;
}

}  // namespace relais::workflow
