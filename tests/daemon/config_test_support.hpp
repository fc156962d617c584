// Loading a relais.toml text in the configuration tests: the problems it must have, or the
// configuration it must give (its problems printed when it does not).
#pragma once

#include <doctest/doctest.h>

#include <string_view>
#include <variant>
#include <vector>

#include "daemon/config/config.hpp"

namespace relais::daemon::test {

inline std::vector<ConfigProblem> problems_of(std::string_view text) {
  auto result = load_config_string(text, "relais.toml");
  REQUIRE_MESSAGE(std::holds_alternative<std::vector<ConfigProblem>>(result),
                  "expected problems for:\n"
                      << text);
  auto problems = std::get<std::vector<ConfigProblem>>(std::move(result));
  for (const auto& p : problems)
    MESSAGE(format_problem(p));
  return problems;
}

inline Config must_load(std::string_view text, std::string_view name = "relais.toml") {
  auto result = load_config_string(text, name);
  if (auto* problems = std::get_if<std::vector<ConfigProblem>>(&result)) {
    for (const auto& p : *problems)
      MESSAGE(format_problem(p));
    FAIL("configuration did not load");
  }
  return std::get<Config>(std::move(result));
}

}  // namespace relais::daemon::test
