#include "daemon/byte_range.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>

namespace relais::daemon {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 19)
    return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

struct Range {
  std::optional<std::uint64_t> first, last;  // "a-b", "a-" or "-n" (last n bytes: last only)
};

std::optional<Range> parse(std::string_view header) {
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit))
    return std::nullopt;
  header.remove_prefix(kUnit.size());
  const auto dash = header.find('-');
  if (dash == std::string_view::npos || header.find(',') != std::string_view::npos)
    return std::nullopt;
  const auto a = header.substr(0, dash);
  const auto b = header.substr(dash + 1);
  Range r;
  if (!a.empty() && !(r.first = number(a)))
    return std::nullopt;
  if (!b.empty() && !(r.last = number(b)))
    return std::nullopt;
  if ((!r.first && !r.last) || (r.first && r.last && *r.last < *r.first))
    return std::nullopt;
  return r;
}

}  // namespace

void apply_byte_range(HttpResponse& res, std::string_view range_header) {
  if (res.result() != http::status::ok)
    return;
  res.set(http::field::accept_ranges, "bytes");
  const auto range = parse(range_header);
  if (!range)
    return;
  const std::uint64_t size = res.body().size();
  std::uint64_t first = 0, last = 0;
  if (!range->first) {  // the last n bytes
    if (*range->last == 0 || size == 0) {
      first = size;  // unsatisfiable
    } else {
      first = *range->last >= size ? 0 : size - *range->last;
      last = size - 1;
    }
  } else {
    first = *range->first;
    last = range->last ? std::min(*range->last, size - 1) : size - 1;
  }
  if (first >= size) {
    res.result(http::status::range_not_satisfiable);
    res.set(http::field::content_range, fmt::format("bytes */{}", size));
    res.body().clear();
    res.prepare_payload();
    return;
  }
  res.result(http::status::partial_content);
  res.set(http::field::content_range, fmt::format("bytes {}-{}/{}", first, last, size));
  res.body() = res.body().substr(first, last - first + 1);
  res.prepare_payload();
}

}  // namespace relais::daemon
