// SHA-256 and hex helpers (OpenSSL). Pure; they never fail.
#pragma once

#include <string>
#include <string_view>

namespace relais::workflow {

std::string sha256_hex(std::string_view data);
std::string to_hex(std::string_view bytes);

}  // namespace relais::workflow
