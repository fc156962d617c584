#include "connectors/http/retry_hint.hpp"

#include "connectors/http/post_text.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>
#include <string>

namespace relais::connectors::http {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::system_clock;

constexpr seconds kMetaFullWait{5 * 60};
constexpr seconds kLongest{24 * 3600};

std::optional<long long> integer(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate; the obsolete forms are not sent any more).
std::optional<Clock::time_point> http_date(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail())
    return std::nullopt;
  return Clock::from_time_t(timegm(&tm));
}

seconds until(Clock::time_point at, Clock::time_point now) {
  return std::max(seconds{0}, std::chrono::ceil<seconds>(at - now));
}

// The largest number under `key` anywhere in a JSON value (Meta nests them per business id).
std::optional<double> largest(const boost::json::value& v, std::string_view key) {
  std::optional<double> best;
  auto consider = [&](const std::optional<double>& x) {
    if (x && (!best || *x > *best))
      best = x;
  };
  if (const auto* o = v.if_object()) {
    for (const auto& [k, child] : *o) {
      if (k == key && child.is_number())
        consider(child.to_number<double>());
      else
        consider(largest(child, key));
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& child : *a)
      consider(largest(child, key));
  }
  return best;
}

std::optional<boost::json::value> json_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

}  // namespace

std::optional<seconds> retry_hint(const Response& r, Clock::time_point now) {
  std::optional<seconds> wait;
  auto ask = [&](seconds s) { wait = std::max(wait.value_or(seconds{0}), std::min(s, kLongest)); };

  if (const auto text = r.header("Retry-After"); !text.empty()) {
    if (const auto n = integer(text); n && *n >= 0)
      ask(seconds{*n});
    else if (const auto at = http_date(text))
      ask(until(*at, now));
  }
  // X writes x-rate-limit-* with a Unix time, Mastodon X-RateLimit-* with an ISO time.
  for (const auto& [remaining, reset_name] :
       {std::pair{"x-rate-limit-remaining", "x-rate-limit-reset"},
        std::pair{"X-RateLimit-Remaining", "X-RateLimit-Reset"}}) {
    const auto left = r.header(remaining);
    if (integer(left) != 0 && !(left.empty() && r.status == 429))
      continue;
    const auto reset = r.header(reset_name);
    if (const auto n = integer(reset); n && *n > 0)
      ask(until(Clock::from_time_t(static_cast<std::time_t>(*n)), now));
    else if (const auto at = network_time(reset))
      ask(until(*at, now));
  }
  if (const auto buc = json_of(r.header("X-Business-Use-Case-Usage"))) {
    if (const auto minutes = largest(*buc, "estimated_time_to_regain_access");
        minutes && *minutes > 0)
      ask(seconds{static_cast<long long>(*minutes * 60)});
  }
  for (const char* name : {"X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage"}) {
    const auto usage = json_of(r.header(name));
    if (!usage)
      continue;
    for (const char* key : {"call_count", "total_cputime", "total_time"}) {
      if (const auto pct = largest(*usage, key); pct && *pct >= 100)
        ask(kMetaFullWait);
    }
  }
  return wait;
}

}  // namespace relais::connectors::http
