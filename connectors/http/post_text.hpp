// The text a network post carries, composed one way for every network, and compared one way
// when relais looks for a post an earlier call may have made (Publisher::find).
#pragma once

#include <string>
#include <string_view>

#include "connectors/connector.hpp"

namespace relais::connectors::http {

// The approved text, and the photo credit ("© Jeanne Martin") after a blank line when the
// post carries media and names an author.
std::string compose_text(const Post& post);

// Whether two texts are the same once every run of white space is one space and the ends are
// trimmed (networks re-wrap lines and trim; they do not change words).
bool same_text(std::string_view a, std::string_view b);

}  // namespace relais::connectors::http
