// How relais recognises its own post among the account's latest ones (XPublisher::find). X
// gives the text back changed: each link it detected (http://..., www...., and also bare
// domains such as mairie.fr) replaced by a https://t.co/... link, a t.co link to the media
// appended to a post that has media, and &, <, > written &amp; &lt; &gt;. So the texts are
// compared with white space collapsed, and each t.co link of X's text standing for one run of
// non-blank characters of ours holding a dot (whatever X took for a link: its link rules need
// not be ours); the trailing media link may be there or not. Loose by design where X is vague:
// punctuation right after a link may be read as part of it.
#pragma once

#include <string_view>

namespace relais::connectors::x {

// Whether `returned` (a post's text as X's API gives it) is `posted` (the text relais sent).
bool same_tweet_text(std::string_view posted, std::string_view returned, bool with_media);

}  // namespace relais::connectors::x
