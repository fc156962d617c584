// Tolerant base64 and RFC 2047 Q decoding (see mime_transfer_decoding.hpp). Pure functions.
#include "connectors/email/mime_transfer_decoding.hpp"

#include <array>
#include <cstdint>

namespace relais::connectors::email {
namespace {

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) {
    v = -1;
  }
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  // The URL-safe alphabet shows up in the wild too; it does not collide with the standard one.
  t[static_cast<unsigned char>('-')] = 62;
  t[static_cast<unsigned char>('_')] = 63;
  return t;
}

constexpr auto kBase64 = make_base64_table();

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

}  // namespace

std::string decode_base64_tolerant(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int count = 0;  // sextets in the current group
  auto flush_partial = [&] {
    // 2 sextets carry 1 byte, 3 carry 2 bytes; a single sextet carries nothing.
    if (count == 2) {
      out.push_back(static_cast<char>((acc >> 4) & 0xff));
    } else if (count == 3) {
      out.push_back(static_cast<char>((acc >> 10) & 0xff));
      out.push_back(static_cast<char>((acc >> 2) & 0xff));
    }
    acc = 0;
    count = 0;
  };
  for (char c : encoded) {
    if (c == '=') {
      flush_partial();
      continue;
    }
    const std::int8_t v = kBase64[static_cast<unsigned char>(c)];
    if (v < 0) {
      continue;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out.push_back(static_cast<char>((acc >> 16) & 0xff));
      out.push_back(static_cast<char>((acc >> 8) & 0xff));
      out.push_back(static_cast<char>(acc & 0xff));
      acc = 0;
      count = 0;
    }
  }
  flush_partial();
  return out;
}

std::string decode_q_word(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < encoded.size() && hex_value(encoded[i + 1]) >= 0 &&
               hex_value(encoded[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace relais::connectors::email
