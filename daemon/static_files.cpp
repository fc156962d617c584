#include "daemon/static_files.hpp"

namespace relais::daemon {
namespace {

// Live counters on the approval page, so that the referent sees a text grow too long while
// typing. The server's counts (workflow/text_length) are the ones that count, and the page's
// "count again" button gets them without this script. X weighs a URL 23 and a character 2
// outside Latin and common punctuation (twitter-text v3); Mastodon weighs a URL 23.
constexpr std::string_view kApprovalJs = R"js("use strict";
(function () {
  var form = document.getElementById("decision");
  var text = document.getElementById("text");
  if (!form || !text) return;
  var credit = form.getAttribute("data-credit") || "";
  var url = /https?:\/\/\S+/g;
  function light(c) {
    var n = c.codePointAt(0);
    return n <= 0x10ff || (n >= 0x2000 && n <= 0x200d) || (n >= 0x2010 && n <= 0x201f) ||
      (n >= 0x2032 && n <= 0x2037);
  }
  function count(s, how) {
    if (how === "code_points") return Array.from(s).length;
    var urls = (s.match(url) || []).length;
    var rest = Array.from(s.replace(url, ""));
    if (how === "mastodon") return rest.length + 23 * urls;
    return rest.reduce(function (n, c) { return n + (light(c) ? 1 : 2); }, 23 * urls);
  }
  function update() {
    var composed = text.value + credit;
    document.querySelectorAll("section.network").forEach(function (s) {
      var n = count(composed, s.dataset.counting);
      var over = n > Number(s.dataset.max);
      s.querySelector(".preview").textContent = composed;
      s.querySelector(".n").textContent = String(n);
      s.querySelector(".count").classList.toggle("over", over);
      s.querySelector(".too-long").hidden = !over;
    });
  }
  function channels() {
    document.querySelectorAll("input[name=channel]").forEach(function (box) {
      var s = document.querySelector('section.network[data-channel="' + box.value + '"]');
      if (s) s.hidden = !box.checked;
    });
  }
  text.addEventListener("input", update);
  form.addEventListener("change", channels);
})();
)js";

}  // namespace

std::optional<StaticFile> static_file(std::string_view name) {
  if (name == "approval.js")
    return StaticFile{"text/javascript; charset=utf-8", kApprovalJs};
  return std::nullopt;
}

}  // namespace relais::daemon
