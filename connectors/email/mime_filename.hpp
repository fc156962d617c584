// Makes an attachment's decoded display name safe to show and store as a label: no path
// separators, no control characters, no leading dots, at most 200 bytes of valid UTF-8 (the
// extension kept when the name is cut). Never fails; a name left empty becomes "attachment".
#pragma once

#include <string>
#include <string_view>

namespace relais::connectors::email {

inline constexpr std::size_t kMaxFilenameBytes = 200;

// Input is UTF-8 (already decoded); an empty input gives an empty result (no name was given).
std::string sanitize_filename(std::string_view decoded_name);

}  // namespace relais::connectors::email
