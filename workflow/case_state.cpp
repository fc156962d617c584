// Names of case states and case timers, as stored and logged.
#include "workflow/case_state.hpp"

#include <array>
#include <utility>

namespace relais::workflow {
namespace {

constexpr std::array<std::pair<CaseState, std::string_view>, 6> kStates{{
    {CaseState::received, "received"},
    {CaseState::matched, "matched"},
    {CaseState::unmatched, "unmatched"},
    {CaseState::executed, "executed"},
    {CaseState::answered, "answered"},
    {CaseState::closed, "closed"},
}};

constexpr std::array<std::pair<CaseTimerKind, std::string_view>, 3> kTimers{{
    {CaseTimerKind::reminder, "reminder"},
    {CaseTimerKind::overdue, "overdue"},
    {CaseTimerKind::close, "close"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value)
      return name;
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name)
      return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(CaseState s) {
  return name_of(kStates, s);
}
std::optional<CaseState> parse_case_state(std::string_view name) {
  return value_of(kStates, name);
}
std::string_view to_string(CaseTimerKind k) {
  return name_of(kTimers, k);
}
std::optional<CaseTimerKind> parse_case_timer(std::string_view name) {
  return value_of(kTimers, name);
}

}  // namespace relais::workflow
