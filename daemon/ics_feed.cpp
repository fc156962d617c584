// Publications from 60 days back to a year ahead: enough for a calendar, bounded for a feed
// polled every few minutes by every subscriber.
#include "daemon/ics_feed.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "daemon/ctl_render.hpp"
#include "daemon/dashboard_session.hpp"
#include "daemon/dashboard_views.hpp"
#include "workflow/ascii.hpp"
#include "workflow/sha256.hpp"
#include "workflow/text_length.hpp"

namespace relais::daemon {
using workflow::State;
using workflow::TimePoint;

namespace {

// "20261124T083000Z"
std::string ics_utc(TimePoint t) {
  auto iso = iso_utc(t);  // 2026-11-24T08:30:00Z
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':')
      out += c;
  }
  return out;
}

// A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence.
void add_line(std::string& out, std::string_view line) {
  std::size_t width = 75;
  while (line.size() > width) {
    std::size_t cut = width;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
      --cut;
    if (cut == 0)  // not UTF-8 after all: cut where the width says rather than never
      cut = width;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    width = 74;  // the leading space counts
  }
  out.append(line);
  out += "\r\n";
}

bool shown(State s) {
  return s == State::scheduled || s == State::publishing || s == State::published;
}

}  // namespace

std::string ics_token(std::string_view key, std::string_view address, int generation) {
  return workflow::hmac_sha256_hex(key, fmt::format("ics|{}|{}", lower(address), generation));
}

std::optional<std::string> ics_owner(workflow::Store& store, const Services& s,
                                     std::string_view token) {
  const auto& r = s.config.referent;
  for (const auto* address : {&r.address, &r.backup_address, &r.admin_address}) {
    if (address->empty())
      continue;
    const auto expected = ics_token(s.token_key, *address, store.calendar_generation(*address));
    if (expected.size() == token.size() &&
        CRYPTO_memcmp(expected.data(), token.data(), token.size()) == 0)
      return lower(*address);
  }
  return std::nullopt;
}

std::string ics_text(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' || c == ';' || c == ',') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n')
        ++i;
      out += "\\n";
    } else if (c == '\n') {
      out += "\\n";
    } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) {
      out += ' ';  // other control characters are not allowed in TEXT
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_ics(const std::vector<workflow::Request>& requests, const IcsFeed& feed,
                       TimePoint now) {
  std::string out;
  add_line(out, "BEGIN:VCALENDAR");
  add_line(out, "VERSION:2.0");
  add_line(out, "PRODID:-//relais//publications//FR");
  add_line(out, "CALSCALE:GREGORIAN");
  add_line(out, "METHOD:PUBLISH");
  add_line(out, "X-WR-CALNAME:" + ics_text(feed.name));
  add_line(out, "REFRESH-INTERVAL;VALUE=DURATION:PT15M");
  add_line(out, "X-PUBLISHED-TTL:PT15M");
  for (const auto& r : requests) {
    if (!r.publish_at || !shown(r.state))
      continue;
    std::string channels;
    for (const auto& c : r.channels)
      channels += (channels.empty() ? "" : ", ") + c.channel;
    const std::string url = fmt::format("{}/d/requests/{}", feed.public_url, r.id);
    const bool en = feed.lang == "en";
    add_line(out, "BEGIN:VEVENT");
    add_line(out, fmt::format("UID:{}@{}", r.reference, feed.uid_domain));
    add_line(out, "DTSTAMP:" + ics_utc(now));
    add_line(out, "LAST-MODIFIED:" + ics_utc(r.updated_at));
    add_line(out, "SEQUENCE:" + std::to_string(r.version));
    add_line(out, "DTSTART:" + ics_utc(*r.publish_at));
    add_line(out, "DURATION:PT15M");
    add_line(out,
             "SUMMARY:" + ics_text(fmt::format("Publication {} — {}", r.reference, r.subject)));
    add_line(out, "DESCRIPTION:" + ics_text(fmt::format(
                                       "{}: {}\n{}: {}\n{}\n\n{}", en ? "State" : "État",
                                       state_label(r.state, feed.lang), en ? "Channels" : "Réseaux",
                                       channels, url, workflow::shortened(r.text, 500))));
    add_line(out, "URL:" + url);
    add_line(out, "STATUS:CONFIRMED");
    add_line(out, "TRANSP:TRANSPARENT");
    add_line(out, "END:VEVENT");
  }
  add_line(out, "END:VCALENDAR");
  return out;
}

boost::asio::awaitable<HttpResponse> route_ics(Services& s, std::string rest) {
  if (!rest.ends_with(".ics") || rest.size() != 64 + 4)
    co_return plain(http::status::not_found, "Not found\n");
  const std::string token = rest.substr(0, 64);
  auto job = [&s, &token]() -> std::optional<std::string> {
    auto& store = s.readers.store();
    if (!ics_owner(store, s, token))
      return std::nullopt;
    const auto at = workflow::now_ms();
    const auto requests =
        store.requests_publishing_between(at - std::chrono::days(60), at + std::chrono::days(366));
    const auto domain = s.config.mail.from_address.substr(s.config.mail.from_address.find('@') + 1);
    return render_ics(requests,
                      {s.config.general.language == "en" ? "relais — publications"
                                                         : "relais — publications prévues",
                       s.config.http.public_url, domain, s.config.general.language},
                      at);
  };
  std::optional<std::string> body;
  try {
    body = co_await on_pool(s.pool, job);
  } catch (const std::exception& e) {
    spdlog::error("ics feed failed error=\"{}\"", e.what());
    co_return plain(http::status::service_unavailable, "Service unavailable, try again later\n");
  }
  if (!body) {
    spdlog::info("ics feed refused reason=token");
    co_return plain(http::status::not_found, "Not found\n");
  }
  HttpResponse res = plain(http::status::ok, std::move(*body), "text/calendar; charset=utf-8");
  res.set(http::field::cache_control, "private, max-age=300");
  res.set(http::field::content_disposition, "inline; filename=\"relais.ics\"");
  co_return res;
}

}  // namespace relais::daemon
