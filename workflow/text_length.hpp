// How long a text is for a network that limits it (issue 4's network limits): X counts
// "weighted" characters (twitter-text v3: code points in the Latin, punctuation and general
// symbol ranges weigh 1, everything else 2; every URL weighs 23 whatever its length; an emoji
// sequence joined by ZWJ, with its variation selectors and skin tones, weighs 2 in all), the
// others count Unicode code points. Invalid UTF-8 bytes count one each, so nothing is hidden.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace relais::workflow {

std::size_t code_point_count(std::string_view utf8);
std::size_t x_weighted_length(std::string_view utf8);
// Mastodon counts code points, and every URL as 23 whatever its length.
std::size_t mastodon_length(std::string_view utf8);

// `utf8` itself when it has at most `max_bytes`, else its start, cut between two characters
// within `max_bytes`, and "…".
std::string shortened(std::string_view utf8, std::size_t max_bytes);

}  // namespace relais::workflow
