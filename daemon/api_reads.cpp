// Lists are bounded (at most 500 a call, offset to page on); an unknown state name or a bad
// number is a 400 that says which parameter, never an empty list that looks like an answer.
#include "daemon/api_reads.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <map>

#include "daemon/api.hpp"
#include "daemon/ctl_render.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;
using workflow::TimePoint;

namespace {

constexpr int kMaxLimit = 500;

json::value optional_iso(const std::optional<TimePoint>& t) {
  return t ? json::value(iso_utc(*t)) : json::value(nullptr);
}

std::map<std::string, std::string> query_of(const HttpRequest& req) {
  std::map<std::string, std::string> out;
  auto url = boost::urls::parse_origin_form(req.target());
  if (url) {
    for (auto p : url->params())
      out.emplace(p.key, p.value);
  }
  return out;
}

std::optional<int> bounded(const std::map<std::string, std::string>& q, const char* key,
                           int fallback, int max) {
  const auto it = q.find(key);
  if (it == q.end())
    return fallback;
  int v = 0;
  const auto& t = it->second;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{} || end != t.data() + t.size() || v < 0 || v > max)
    return std::nullopt;
  return v;
}

// "2026-11-24T08:30:00Z" or "2026-11-24" (midnight UTC).
std::optional<TimePoint> parse_iso(std::string_view t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (t.size() == 10 && std::sscanf(std::string(t).c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
  } else if (t.size() == 20 && t.back() == 'Z' &&
             std::sscanf(std::string(t).c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
                         &s) == 6) {
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                        std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  return TimePoint(std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                   std::chrono::seconds(s));
}

json::object channel_json(const Services& s, const ChannelConfig& ch,
                          const std::vector<Store::ChannelActivity>& activity) {
  json::object o{{"name", ch.name},
                 {"type", ch.type},
                 {"credentials_expire_at", nullptr},
                 {"published", 0},
                 {"last_published_at", nullptr},
                 {"last_error", nullptr}};
  if (const auto it = s.publishers.find(ch.name); it != s.publishers.end()) {
    if (const auto expires = it->second->credentials_expire_at())
      o["credentials_expire_at"] =
          iso_utc(std::chrono::time_point_cast<std::chrono::milliseconds>(*expires));
  }
  for (const auto& a : activity) {
    if (a.channel != ch.name)
      continue;
    o["published"] = a.published;
    o["last_published_at"] = optional_iso(a.last_published_at);
    if (a.last_error_at) {
      o["last_error"] = json::object{{"message", a.last_error},
                                     {"request", a.last_error_reference},
                                     {"at", iso_utc(*a.last_error_at)}};
    }
  }
  return o;
}

// One reader job; its answer or its error message and status.
struct Read {
  http::status status = http::status::ok;
  json::value body;
  std::string error;
};

Read list_requests(Store& store, const std::map<std::string, std::string>& q) {
  Store::RequestFilter f;
  if (const auto it = q.find("state"); it != q.end() && !it->second.empty()) {
    f.state = workflow::parse_state(it->second);
    if (!f.state)
      return {http::status::bad_request, {}, "state is not a request state"};
  }
  if (const auto it = q.find("q"); it != q.end())
    f.words = it->second.substr(0, 200);
  const auto limit = bounded(q, "limit", 100, kMaxLimit);
  const auto offset = bounded(q, "offset", 0, 1 << 30);
  if (!limit || !offset)
    return {http::status::bad_request,
            {},
            fmt::format("limit is 0 to {}, offset 0 or more", kMaxLimit)};
  f.limit = *limit;
  f.offset = *offset;
  json::array a;
  for (const auto& r : store.search_requests(f))
    a.push_back(request_json(r));
  return {http::status::ok,
          json::object{{"requests", std::move(a)}, {"total", store.count_requests(f)}},
          {}};
}

Read calendar(Store& store, const std::map<std::string, std::string>& q) {
  const auto at = workflow::now_ms();
  std::optional<TimePoint> from = at - std::chrono::days(1), to = at + std::chrono::days(31);
  if (const auto it = q.find("from"); it != q.end())
    from = parse_iso(it->second);
  if (const auto it = q.find("to"); it != q.end())
    to = parse_iso(it->second);
  if (!from || !to)
    return {http::status::bad_request, {}, "from and to are 2026-11-24 or 2026-11-24T08:30:00Z"};
  if (*to <= *from || *to - *from > std::chrono::days(400))
    return {http::status::bad_request, {}, "to comes after from, at most 400 days later"};
  json::array a;
  for (const auto& r : store.requests_publishing_between(*from, *to)) {
    if (r.state == workflow::State::scheduled || r.state == workflow::State::publishing ||
        r.state == workflow::State::published)
      a.push_back(request_json(r));
  }
  return {http::status::ok, json::object{{"publications", std::move(a)}}, {}};
}

Read list_cases(Store& store, const std::map<std::string, std::string>& q) {
  std::optional<workflow::CaseState> state;
  if (const auto it = q.find("state"); it != q.end() && !it->second.empty()) {
    state = workflow::parse_case_state(it->second);
    if (!state)
      return {http::status::bad_request, {}, "state is not a case state"};
  }
  json::array a;
  for (const auto& c : store.list_cases(state, kMaxLimit))
    a.push_back(case_json(c));
  return {http::status::ok, json::object{{"cases", std::move(a)}}, {}};
}

Read show_case(Store& store, std::string_view id) {
  const auto c = store.find_case(id);
  if (!c)
    return {http::status::not_found, {}, fmt::format("no case {}", id.substr(0, 40))};
  json::object o = case_json(*c);
  json::array matches;
  for (const auto& m : store.case_matches(c->id)) {
    const auto r = store.load_request(m.request_id);
    matches.push_back(json::object{{"request", r ? r->reference : std::to_string(m.request_id)},
                                   {"basis", m.basis},
                                   {"certain", m.certain},
                                   {"confirmed_at", optional_iso(m.confirmed_at)}});
  }
  o["matches"] = std::move(matches);
  return {http::status::ok, std::move(o), {}};
}

}  // namespace

json::object case_json(const workflow::TakedownCase& c) {
  return {{"id", c.id},
          {"reference", c.reference},
          {"state", workflow::to_string(c.state)},
          {"origin", c.origin},
          {"requester", c.requester},
          {"requester_name", c.requester_name},
          {"language", c.language},
          {"received_at", iso_utc(c.received_at)},
          {"deadline_at", iso_utc(c.deadline_at)},
          {"executed_at", optional_iso(c.executed_at)},
          {"answered_at", optional_iso(c.answered_at)},
          {"closed_at", optional_iso(c.closed_at)},
          {"updated_at", iso_utc(c.updated_at)}};
}

boost::asio::awaitable<std::optional<HttpResponse>> route_api_reads(Services& s, std::string path,
                                                                    const HttpRequest& req) {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (path.size() <= kPrefix.size())
    co_return std::nullopt;
  const std::string_view rest = std::string_view(path).substr(kPrefix.size());
  const auto slash = rest.find('/');
  const std::string collection(rest.substr(0, slash));
  const std::string id = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  if (collection != "requests" && collection != "cases" && collection != "channels" &&
      collection != "calendar")
    co_return std::nullopt;
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    co_return api_error(http::status::method_not_allowed, "GET");
  const auto q = query_of(req);
  auto job = [&s, &collection, &id, &q]() -> Read {
    auto& store = s.readers.store();
    if (collection == "requests" && id.empty())
      return list_requests(store, q);
    if (collection == "requests") {
      const auto r = store.find_request(id);
      if (!r)
        return {http::status::not_found, {}, fmt::format("no request {}", id.substr(0, 40))};
      return {http::status::ok,
              request_detail_json(*r, store.media_of(r->id), store.transitions_of(r->id)),
              {}};
    }
    if (collection == "calendar" && id.empty())
      return calendar(store, q);
    if (collection == "cases" && id.empty())
      return list_cases(store, q);
    if (collection == "cases")
      return show_case(store, id);
    if (collection == "channels" && id.empty()) {
      const auto activity = store.channel_activity();
      json::array a;
      for (const auto& ch : s.config.channels)
        a.push_back(channel_json(s, ch, activity));
      return {http::status::ok, json::object{{"channels", std::move(a)}}, {}};
    }
    return {http::status::not_found, {}, "no such resource"};
  };
  Read read;
  try {
    read = co_await on_pool(s.pool, job);
  } catch (const std::exception& e) {
    spdlog::error("api read failed path={} error=\"{}\"", collection, e.what());
    co_return api_error(http::status::service_unavailable,
                        "the store is busy or failing; try again");
  }
  if (read.status != http::status::ok)
    co_return api_error(read.status, read.error);
  co_return json_answer(http::status::ok, read.body);
}

}  // namespace relais::daemon
