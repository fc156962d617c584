// The text a network post carries, composed one way for every network, and compared one way
// when relais looks for a post an earlier call may have made (Publisher::find), with the time
// the network says that post was made.
#pragma once

#include <chrono>
#include <optional>
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

// A time as the networks write it, RFC 3339 or ISO 8601: "2026-11-23T21:45:00.000Z",
// "2026-11-23T21:45:00+0000" (Graph), "2026-11-23T22:45:00+01:00"; nullopt when unreadable.
std::optional<std::chrono::system_clock::time_point> network_time(std::string_view text);

// Whether a post with the right text, made at `made` by the network's clock, may be the one
// an earlier create(post) made: not when it is older than post.not_before (the same words
// published last week are another post). A post without a readable time is given the benefit.
bool made_in_time(const Post& post, std::optional<std::chrono::system_clock::time_point> made);

}  // namespace relais::connectors::http
