// The consent registry as data: the persons who appear in publications, the consents they
// gave (for one request, or for a period), and who appears in what. Plain values; the Store
// reads and writes them (store_consent.cpp) and the takedown desk acts on a revocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "workflow/request.hpp"

namespace relais::workflow {

struct PersonRow {
  std::int64_t id = 0;
  std::string name;
  std::string email;  // lowercase addr-spec, or empty
  std::string note;
  TimePoint created_at{};
};

// request: the consent covers one request; period: every publication from valid_from until
// expires_at (either end may be open).
enum class ConsentScope { request, period };

inline std::string_view to_string(ConsentScope s) {
  return s == ConsentScope::request ? "request" : "period";
}
inline std::optional<ConsentScope> parse_consent_scope(std::string_view name) {
  if (name == "request")
    return ConsentScope::request;
  if (name == "period")
    return ConsentScope::period;
  return std::nullopt;
}

struct ConsentRow {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  ConsentScope scope = ConsentScope::period;
  std::optional<std::int64_t> request_id;  // scope request
  std::optional<TimePoint> valid_from, expires_at;
  std::string evidence_sha256;  // a signed form in the media blob store, or empty
  std::string evidence_name;    // display only; never a path
  TimePoint given_at{};
  std::optional<TimePoint> revoked_at;
  std::string revoked_by;
  bool minor = false;  // given by a parent or guardian
  std::string note;
  TimePoint created_at{};

  // Neither revoked nor past its end at `t`.
  bool active_at(TimePoint t) const { return !revoked_at && (!expires_at || t < *expires_at); }
};

// That person appears in that request (in that media file, when known).
struct PersonMediaRow {
  std::int64_t person_id = 0;
  std::int64_t request_id = 0;
  std::optional<std::int64_t> media_id;
  std::string source;  // declaration | referent | consent | cli
  TimePoint at{};
};

}  // namespace relais::workflow

namespace relais::workflow {

// Whether a consent allows publishing request `request_id` at `now`: not revoked, within its
// period, and for a request-scoped one, that very request.
inline bool consent_covers(const ConsentRow& c, std::int64_t request_id, TimePoint now) {
  if (c.revoked_at || (c.expires_at && *c.expires_at <= now) ||
      (c.valid_from && *c.valid_from > now))
    return false;
  return c.scope == ConsentScope::period || c.request_id == request_id;
}

}  // namespace relais::workflow
