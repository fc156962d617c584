// A takedown case as data (SPEC section 2): its states, what it matched, its timers and
// links. A case is its own record beside the publication requests it names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "workflow/request.hpp"

namespace relais::workflow {

enum class CaseState { received, matched, unmatched, executed, answered, closed };

std::string_view to_string(CaseState s);
std::optional<CaseState> parse_case_state(std::string_view name);

struct TakedownCase {
  std::int64_t id = 0;
  std::string reference;  // "DI-2026-0007"
  CaseState state = CaseState::received;
  std::int64_t version = 0;
  std::string origin;  // mail | form | cli | consent
  std::string requester;
  std::string requester_name;
  std::string text;
  std::string language = "fr";
  std::string thread_id;
  bool email_confirmed = true;
  std::string note;
  TimePoint received_at{};
  TimePoint deadline_at{};
  std::optional<TimePoint> executed_at, answered_at, closed_at, erased_at;
  TimePoint updated_at{};
};

// One candidate publication of a case. basis: url, reference, sha256, phash, person, consent.
struct CaseMatch {
  std::int64_t id = 0;
  std::int64_t case_id = 0;
  std::int64_t request_id = 0;
  std::optional<std::int64_t> media_id;
  std::string basis;
  bool certain = false;
  std::optional<int> distance;
  std::string detail;
  std::optional<TimePoint> confirmed_at;
  std::string confirmed_by;
};

// reminder: a mail to the referent before the deadline; overdue: the deadline passed;
// close: an answered case is closed.
enum class CaseTimerKind { reminder, overdue, close };
std::string_view to_string(CaseTimerKind k);
std::optional<CaseTimerKind> parse_case_timer(std::string_view name);

struct CaseTimerRow {
  std::int64_t id = 0;
  std::int64_t case_id = 0;
  CaseTimerKind kind = CaseTimerKind::reminder;
  TimePoint due_at{};
};

struct CaseTokenRow {
  std::int64_t id = 0;
  std::string hash;
  std::int64_t case_id = 0;
  std::optional<std::int64_t> match_id;
  std::string purpose;  // confirm_email | confirm_removal | declare_unmatched
  std::string recipient;
  std::int64_t version = 0;
  TimePoint expires_at{};
  std::optional<TimePoint> used_at;
  TimePoint created_at{};
};

}  // namespace relais::workflow
