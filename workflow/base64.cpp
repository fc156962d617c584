// Base64 encoders written out (a few lines, no allocation games); decoding through OpenSSL's
// EVP_Decode after a strict shape check.
#include "workflow/base64.hpp"

#include <openssl/evp.h>

#include <cstdint>

namespace relais::workflow {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                 static_cast<unsigned char>(in[i + 1]) << 8 | static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1])
                                                               << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string clean;
  clean.reserve(in.size());
  for (char c : in) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t')
      clean.push_back(c);
  }
  // Standard alphabet only, padding only at the end: OpenSSL would stop quietly at a '-'
  // (base64url) and store a truncated file.
  const auto pad = clean.find('=');
  if (clean.size() % 4 != 0 ||
      clean.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
          std::string::npos ||
      (pad != std::string::npos &&
       (clean.size() - pad > 2 || clean.find_first_not_of('=', pad) != std::string::npos)))
    return std::nullopt;
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
  if (!ctx)
    return std::nullopt;
  EVP_DecodeInit(ctx);
  int n = 0, m = 0;
  const bool ok = EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n,
                                   reinterpret_cast<const unsigned char*>(clean.data()),
                                   static_cast<int>(clean.size())) >= 0 &&
                  EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &m) >= 0;
  EVP_ENCODE_CTX_free(ctx);
  if (!ok)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n + m));
  const std::size_t padding = pad == std::string::npos ? 0 : clean.size() - pad;
  if (out.size() != clean.size() / 4 * 3 - padding)
    return std::nullopt;
  return out;
}

}  // namespace relais::workflow
