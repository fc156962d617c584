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

// The dashboard's look: system fonts, contrast of at least 4.5:1 everywhere (WCAG 2.1 AA), a
// visible focus ring, tables that scroll sideways on a phone rather than overflow.
constexpr std::string_view kDashboardCss = R"css(
body{margin:0;font-family:system-ui,Arial,sans-serif;font-size:16px;line-height:1.5;color:#111827;background:#f3f4f6}
a{color:#1d4ed8}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.skip{position:absolute;left:-10000px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:2}
header{background:#1e293b;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px}
header .who{margin-left:auto;font-size:.9em}
header form{display:inline}
header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:4px 10px;cursor:pointer;font-size:.9em;min-height:32px}
header nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
header nav a{color:#fff;text-decoration:none;padding:6px 10px;border-radius:4px;display:inline-block}
header nav a[aria-current=page]{background:#fff;color:#1e293b;font-weight:bold}
header nav a:hover{text-decoration:underline}
header a:focus-visible,header button:focus-visible{outline-color:#fff}
main{max-width:1100px;margin:0 auto;padding:16px;background:#fff;min-height:60vh}
h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.2em 0 .4em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:8px 0}
caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #d1d5db;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}
.state{display:inline-block;padding:0 6px;border-radius:4px;background:#e5e7eb;color:#111827;font-size:.9em}
.state-awaiting_approval,.state-failed{background:#fde68a}.state-scheduled{background:#bfdbfe}.state-published{background:#bbf7d0}.state-taken_down,.state-rejected{background:#fecaca}
.overdue{color:#b00020;font-weight:bold}
.finding{border-left:6px solid;padding:6px 10px;margin:6px 0;background:#f9fafb}
.red{border-color:#b00020}.amber{border-color:#8a4b00}.green{border-color:#1b5e20}
.text{white-space:pre-wrap;background:#f9fafb;border:1px solid #d1d5db;border-radius:4px;padding:12px}
.media{display:flex;flex-wrap:wrap;gap:8px}.media img{max-width:220px;height:auto;border:1px solid #d1d5db}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dt{font-weight:bold}dd{margin:0}
form.search,form.inline{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;margin:8px 0}
label{display:block;font-weight:bold}
input,select{font-size:1em;padding:6px 8px;border:1px solid #6b7280;border-radius:4px;min-height:36px}
button{font-size:1em;padding:8px 14px;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer;min-height:40px}
button.secondary{background:#374151}
.cal td{width:14.28%;height:6em}.cal .today{background:#eff6ff}.cal .other{background:#f9fafb;color:#4b5563}
.cal ul{list-style:none;margin:0;padding:0}.cal li{margin:2px 0;font-size:.9em}
.pager{display:flex;gap:16px;margin:8px 0}
.notice{background:#ecfdf5;border:1px solid #1b5e20;padding:8px 12px;border-radius:4px}
.problem{background:#fef2f2;border:1px solid #b00020;padding:8px 12px;border-radius:4px}
.counts{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}.counts a{display:block;padding:6px 10px;border:1px solid #d1d5db;border-radius:4px;text-decoration:none}
code{overflow-wrap:anywhere}
@media (max-width:600px){main{padding:10px}dl{grid-template-columns:1fr}.cal td{height:auto}}
)css";

}  // namespace

std::optional<StaticFile> static_file(std::string_view name) {
  if (name == "approval.js")
    return StaticFile{"text/javascript; charset=utf-8", kApprovalJs};
  if (name == "dashboard.css")
    return StaticFile{"text/css; charset=utf-8", kDashboardCss};
  return std::nullopt;
}

}  // namespace relais::daemon
