// Turns an HTML mail body into plain text: tags removed (script/style content dropped), entities
// decoded, <br>, <p>, <div>, <li>, <tr> and headings as line breaks, whitespace collapsed.
// Never fails: broken markup is read as far as it makes sense.
#pragma once

#include <string>
#include <string_view>

namespace relais::connectors::email {

std::string html_to_text(std::string_view html);

}  // namespace relais::connectors::email
