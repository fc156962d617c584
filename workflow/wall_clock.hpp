// The wall clock of relais: every stored time, due date, Date header and signature
// timestamp is read here, so that the whole of relais lives on one clock.
//
// It is the system's, unless RELAIS_CLOCK_FILE names a file holding "@<epoch seconds>": then
// relais starts at that second and goes on from there, and starts again from a new one each
// time the file changes. The end-to-end tests live through nights, weekends and public
// holidays that way (tests/e2e/test_working_hours.py) without touching the machine's clock.
#pragma once

#include <chrono>
#include <string>

namespace relais::workflow {

std::chrono::system_clock::time_point wall_now();

// Reads RELAIS_CLOCK_FILE if it is set; returns the file's path, or "" for the system clock.
std::string use_clock_file_from_environment();
// Takes the time from `path` from now on; "" goes back to the system clock.
void use_clock_file(const std::string& path);

}  // namespace relais::workflow
