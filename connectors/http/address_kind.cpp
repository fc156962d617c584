// Address ranges from RFC 6890 (special-purpose registries) that a server-side fetch must not
// reach unless allowed: they lead into the machine or the organisation's network.
#include <boost/asio/ip/address.hpp>

#include <algorithm>

#include "connectors/http/http_client.hpp"

namespace relais::connectors::http {
namespace {

std::string v4_kind(const boost::asio::ip::address_v4& a) {
  const auto b = a.to_bytes();
  if (b[0] == 127)
    return "loopback";
  if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168))
    return "private";
  if (b[0] == 169 && b[1] == 254)
    return "link-local";
  if (b[0] == 100 && (b[1] & 0xC0) == 64)
    return "shared (carrier-grade NAT)";
  if (b[0] == 0)
    return "unspecified";
  if (b[0] >= 224)
    return "multicast or reserved";
  if (b[0] == 192 && b[1] == 0 && b[2] == 0)
    return "IETF protocol assignments";
  if (b[0] == 198 && (b[1] & 0xFE) == 18)
    return "benchmarking";
  return {};
}

}  // namespace

std::string internal_address_kind(std::string_view text) {
  boost::system::error_code ec;
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']')
    s = s.substr(1, s.size() - 2);
  if (const auto zone = s.find('%'); zone != std::string::npos)
    return "link-local";  // a zone index is only ever given for link-local addresses
  const auto a = boost::asio::ip::make_address(s, ec);
  if (ec)
    return "not an IP address";
  if (a.is_v4())
    return v4_kind(a.to_v4());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return v4_kind(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  if (v6.is_loopback())
    return "loopback";
  if (v6.is_unspecified())
    return "unspecified";
  if (v6.is_link_local())
    return "link-local";
  if (v6.is_multicast())
    return "multicast or reserved";
  const auto b = v6.to_bytes();
  if ((b[0] & 0xFE) == 0xFC)
    return "private (unique local)";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
    return "private (site-local)";
  // ::a.b.c.d (deprecated IPv4-compatible form; :: and ::1 are handled above).
  if (std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; }))
    return v4_kind(boost::asio::ip::make_address_v4(
        boost::asio::ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]}));
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
    return "Teredo";
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01)
    return "NAT64";  // 64:ff9b:1::/48, local-use NAT64
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
    return "NAT64";  // 64:ff9b::/96 maps to IPv4 space that may be internal
  if (b[0] == 0x20 && b[1] == 0x02)
    return "6to4";
  return {};
}

}  // namespace relais::connectors::http
