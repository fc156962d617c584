// Parses a structured MIME header value (Content-Type, Content-Disposition) into its main value
// and parameters, decoding RFC 2231 (charset'lang'%XX and name*0/name*1 continuations) and RFC 2047
// words inside quoted values. Never fails: malformed parameters are skipped.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace relais::connectors::email {

struct HeaderParams {
  std::string value;                          // lowercase, e.g. "attachment" or "image/jpeg"
  std::map<std::string, std::string> params;  // lowercase name -> UTF-8 value
};

HeaderParams parse_header_params(std::string_view raw_value);

}  // namespace relais::connectors::email
