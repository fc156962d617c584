#include "workflow/address.hpp"

namespace relais::workflow {

bool plausible_address(std::string_view a) {
  if (a.empty() || a.size() > 254)
    return false;
  const auto at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size() || at > 64)
    return false;
  const std::string_view local = a.substr(0, at);
  const std::string_view domain = a.substr(at + 1);
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  for (char c : local) {
    if (!alnum(c) && std::string_view(".!#$%&'*+-/=?^_`{|}~").find(c) == std::string_view::npos)
      return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return false;
  if (domain.find('.') == std::string_view::npos)
    return false;
  std::size_t pos = 0;
  while (pos <= domain.size()) {
    std::size_t dot = domain.find('.', pos);
    if (dot == std::string_view::npos)
      dot = domain.size();
    const std::string_view label = domain.substr(pos, dot - pos);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label) {
      if (!alnum(c) && c != '-')
        return false;
    }
    pos = dot + 1;
  }
  return true;
}

}  // namespace relais::workflow
