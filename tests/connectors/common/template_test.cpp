// Tests of the Mustache-subset renderer and of TemplateSet (loading, fallback, reload).
// Each template directory is made by the test under a fresh temporary directory.
#include "connectors/common/template.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>

using relais::ErrorKind;
using relais::connectors::Escape;
using relais::connectors::render_template;
using relais::connectors::TemplateSet;
namespace json = boost::json;

namespace {

std::string render_ok(std::string_view tmpl, const json::value& ctx, Escape e = Escape::text) {
  auto r = render_template(tmpl, ctx, e);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

std::string render_err(std::string_view tmpl) {
  auto r = render_template(tmpl, json::object{}, Escape::text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::invalid_input);
  return r.error().message;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "relais-tpl-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << text;
  }
};

}  // namespace

TEST_CASE("variables are escaped for the chosen context") {
  json::value ctx = {{"name", "<b>Tom & \"Jerry\"</b>'"}};
  CHECK(render_ok("Hi {{name}}!", ctx, Escape::html) ==
        "Hi &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;&#39;!");
  CHECK(render_ok("Hi {{name}}!", ctx, Escape::text) == "Hi <b>Tom & \"Jerry\"</b>'!");
  CHECK(render_ok("{{{name}}}", ctx, Escape::html) == "<b>Tom & \"Jerry\"</b>'");
  CHECK(render_ok("{{& name }}", ctx, Escape::html) == "<b>Tom & \"Jerry\"</b>'");
  CHECK(render_ok("{{ name }}", ctx, Escape::text) == "<b>Tom & \"Jerry\"</b>'");
}

TEST_CASE("header escaping turns every control character into a space") {
  using namespace std::string_literals;
  json::value ctx = {{"s", "a\r\nBcc: x@y\tz\x7f\0e"s}};
  CHECK(render_ok("{{s}}", ctx, Escape::header) == "a  Bcc: x@y z  e");
  // C1 controls (NEL U+0085) and U+2028/U+2029 are line breaks for some readers.
  ctx.as_object()["s"] =
      "a\xc2\x85"
      "b\xe2\x80\xa8"
      "c\xe2\x80\xa9"
      "d\xc3\xa9";
  CHECK(render_ok("{{s}}", ctx, Escape::header) == "a b c d\xc3\xa9");
}

TEST_CASE("scalars render as text, missing names as nothing") {
  json::value ctx = {{"i", -3},
                     {"u", 18446744073709551615ull},
                     {"d", 1.5},
                     {"t", true},
                     {"f", false},
                     {"n", nullptr},
                     {"o", json::object{{"k", 1}}},
                     {"a", json::array{1, 2}}};
  CHECK(render_ok("{{i}} {{u}} {{d}} {{t}} {{f}} [{{n}}] [{{o}}] [{{a}}] [{{missing}}]", ctx) ==
        "-3 18446744073709551615 1.5 true false [] [] [] []");
}

TEST_CASE("dotted names resolve through objects and do not fall back after the first part") {
  json::value ctx = {{"a", {{"b", {{"c", "deep"}}}}}, {"c", "top"}, {"x", {{"y", 1}}}};
  CHECK(render_ok("{{a.b.c}}", ctx) == "deep");
  CHECK(render_ok("[{{a.b.missing}}]", ctx) == "[]");
  CHECK(render_ok("[{{a.c}}]", ctx) == "[]");
  CHECK(render_ok("{{#a}}{{b.c}} {{c}}{{/a}}", ctx) == "deep top");
  CHECK(render_ok("[{{x.y.z}}]", ctx) == "[]");
}

TEST_CASE("a numeric part of a dotted name indexes an array") {
  json::value ctx = {{"list", json::array{{{"m", "first"}}, {{"m", "second"}}}},
                     {"none", json::array{}}};
  CHECK(render_ok("{{list.1.m}}", ctx) == "second");
  CHECK(render_ok("[{{list.2.m}}][{{list.x}}][{{list.-1}}][{{list.99999999999}}]", ctx) ==
        "[][][][]");
  CHECK(render_ok("{{#list.0}}Heading\n{{/list.0}}{{#list}}- {{m}}\n{{/list}}", ctx) ==
        "Heading\n- first\n- second\n");
  CHECK(render_ok("[{{#none.0}}Heading{{/none.0}}]", ctx) == "[]");
}

TEST_CASE("sections iterate arrays, push objects and show truthy values once") {
  json::value ctx = {{"list", json::array{{{"n", "a"}}, {{"n", "b"}}}},
                     {"words", json::array{"x", "y"}},
                     {"obj", {{"n", "inner"}}},
                     {"n", "outer"},
                     {"yes", true},
                     {"count", 2},
                     {"zero", 0},
                     {"empty", ""},
                     {"none", json::array{}}};
  CHECK(render_ok("{{#list}}<{{n}}>{{/list}}", ctx) == "<a><b>");
  CHECK(render_ok("{{#words}}{{.}},{{/words}}", ctx) == "x,y,");
  CHECK(render_ok("{{#obj}}{{n}}{{/obj}} {{n}}", ctx) == "inner outer");
  CHECK(render_ok("{{#yes}}shown{{/yes}}", ctx) == "shown");
  CHECK(render_ok("{{#count}}{{.}} files{{/count}}", ctx) == "2 files");
  CHECK(render_ok("[{{#zero}}x{{/zero}}{{#empty}}x{{/empty}}{{#none}}x{{/none}}]", ctx) == "[]");
  CHECK(render_ok("[{{#missing}}x{{/missing}}]", ctx) == "[]");
  CHECK(render_ok("{{^none}}no items{{/none}}{{^list}}hidden{{/list}}", ctx) == "no items");
  CHECK(render_ok("{{^missing}}absent{{/missing}}", ctx) == "absent");
  CHECK(render_ok("{{#list}}{{#obj}}{{n}}{{/obj}}{{/list}}", ctx) == "innerinner");
}

TEST_CASE("nested arrays see outer names") {
  json::value ctx = {{"ref", "PUB-1"}, {"posts", json::array{{{"url", "u1"}}, {{"url", "u2"}}}}};
  CHECK(render_ok("{{#posts}}{{ref}}:{{url}} {{/posts}}", ctx) == "PUB-1:u1 PUB-1:u2 ");
}

TEST_CASE("comments vanish and standalone tags take their line with them") {
  json::value ctx = {{"items", json::array{"a", "b"}}, {"none", json::array{}}};
  CHECK(render_ok("x{{! a comment }}y", ctx) == "xy");
  CHECK(render_ok("x{{! multi\nline }}y", ctx) == "xy");
  CHECK(render_ok("Items:\n{{#items}}\n  - {{.}}\n{{/items}}\nEnd\n", ctx) ==
        "Items:\n  - a\n  - b\nEnd\n");
  CHECK(render_ok("Items:\r\n  {{#items}}\r\n- {{.}}\r\n  {{/items}}\r\nEnd", ctx) ==
        "Items:\r\n- a\r\n- b\r\nEnd");
  CHECK(render_ok("{{! first }}\nA\n{{^none}}\nB\n{{/none}}", ctx) == "A\nB\n");
  // Not standalone: other content on the line.
  CHECK(render_ok("a {{#items}}{{.}}{{/items}} b\n", ctx) == "a ab b\n");
  CHECK(render_ok("{{#none}}\n{{/none}}x", ctx) == "x");
  // Variables are never standalone.
  CHECK(render_ok("{{missing}}\nx", ctx) == "\nx");
}

TEST_CASE("parse errors are values with the line number") {
  CHECK(render_err("a\nb {{#list}}\nc") == "template line 2: section 'list' is never closed");
  CHECK(render_err("{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}") ==
        "template line 3: {{/a}} does not match section 'b' opened on line 2");
  CHECK(render_err("x\n\n{{/a}}") == "template line 3: {{/a}} closes no open section");
  CHECK(render_err("line\n{{name") == "template line 2: tag opened with '{{' is never closed");
  CHECK(render_err("{{{name}}") == "template line 1: tag opened with '{{' is never closed");
  CHECK(render_err("{{}}") == "template line 1: empty tag name");
  CHECK(render_err("{{#}}{{/}}") == "template line 1: empty tag name");
  CHECK(render_err("{{a..b}}") == "template line 1: malformed name 'a..b'");
  CHECK(render_err("{{.a}}") == "template line 1: malformed name '.a'");
  CHECK(render_err("{{a.}}") == "template line 1: malformed name 'a.'");
  CHECK(render_err("{{a b}}") == "template line 1: invalid character in name 'a b'");
  CHECK(render_err("{{>partial}}") == "template line 1: partials ({{>name}}) are not supported");
  CHECK(render_err("{{=<% %>=}}") ==
        "template line 1: delimiter changes ({{=..=}}) are not supported");
  CHECK(render_err("{{! unclosed comment") ==
        "template line 1: tag opened with '{{' is never closed");
  CHECK_FALSE(relais::connectors::check_template("{{#a}}").ok());
  CHECK(relais::connectors::check_template("{{#a}}{{/a}}").ok());
}

TEST_CASE("deep nesting is refused, not a stack overflow") {
  std::string deep;
  for (int i = 0; i < 100; ++i) {
    deep += "{{#a}}";
  }
  for (int i = 0; i < 100; ++i) {
    deep += "{{/a}}";
  }
  CHECK(render_err(deep) == "template line 1: sections nested too deeply");
}

TEST_CASE("plain text and lone braces pass through") {
  CHECK(render_ok("", json::object{}) == "");
  CHECK(render_ok("a { b } c }} d", json::object{}) == "a { b } c }} d");
  CHECK(render_ok("{{x}}", json::value("not an object")) == "");
  CHECK(render_ok("{{.}}", json::value("top")) == "top");
}

TEST_CASE("TemplateSet loads a directory, renders by extension and falls back to fr") {
  TempDir dir;
  dir.write("fr/hello.txt", "Bonjour {{name}}");
  dir.write("fr/hello.html", "<p>Bonjour {{name}}</p>");
  dir.write("fr/only-fr.txt", "seulement");
  dir.write("en/hello.txt", "Hello {{name}}");
  dir.write("en/.hidden", "{{#broken");
  dir.write(".git/whatever", "{{#broken");
  auto set = TemplateSet::load(dir.path);
  REQUIRE_MESSAGE(set.ok(), (set.ok() ? "" : set.error().message));
  json::value ctx = {{"name", "<Zoé>"}};
  CHECK(*set->render("en", "hello.txt", ctx) == "Hello <Zoé>");
  CHECK(*set->render("fr", "hello.html", ctx) == "<p>Bonjour &lt;Zoé&gt;</p>");
  CHECK(*set->render("en", "hello.html", ctx) == "<p>Bonjour &lt;Zoé&gt;</p>");  // fallback
  CHECK(*set->render("de", "only-fr.txt", ctx) == "seulement");
  CHECK(*set->render("en", "hello.txt", ctx, Escape::html) == "Hello &lt;Zoé&gt;");
  CHECK(*set->source("en", "hello.txt") == "Hello {{name}}");
  CHECK(set->has("en", "hello.txt"));
  CHECK_FALSE(set->has("en", "hello.html"));
  CHECK_FALSE(set->has("en", ".hidden"));
  CHECK_FALSE(set->has(".git", "whatever"));
  auto missing = set->render("en", "nope.txt", ctx);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "template 'nope.txt' exists neither for language 'en' nor for the fallback 'fr'");
  // Names are keys, never paths.
  CHECK_FALSE(set->render("en", "../fr/hello.txt", ctx).ok());
  CHECK_FALSE(set->render("..", "fr/hello.txt", ctx).ok());
}

TEST_CASE("TemplateSet load fails clearly") {
  auto none = TemplateSet::load("/nonexistent/relais/templates");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("/nonexistent/relais/templates") != std::string::npos);

  TempDir dir;
  dir.write("fr/ok.txt", "fine");
  dir.write("fr/bad.txt", "a\n{{#x}}");
  auto bad = TemplateSet::load(dir.path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::invalid_input);
  CHECK(bad.error().message.find("bad.txt: template line 2: section 'x' is never closed") !=
        std::string::npos);

  TempDir big;
  big.write("fr/big.txt", std::string((1u << 20) + 1, 'x'));
  auto too_big = TemplateSet::load(big.path);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().message.find("larger than 1 MiB") != std::string::npos);
}

TEST_CASE("TemplateSet reload swaps in new files and keeps the old set on error") {
  TempDir dir;
  dir.write("fr/a.txt", "one");
  auto set = TemplateSet::load(dir.path);
  REQUIRE(set.ok());
  dir.write("fr/a.txt", "two");
  dir.write("en/b.txt", "bee");
  REQUIRE(set->reload().ok());
  CHECK(*set->render("fr", "a.txt", json::object{}) == "two");
  CHECK(set->has("en", "b.txt"));

  dir.write("fr/a.txt", "three {{/oops}}");
  auto r = set->reload();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("a.txt") != std::string::npos);
  CHECK(*set->render("fr", "a.txt", json::object{}) == "two");
  CHECK(set->has("en", "b.txt"));

  std::filesystem::remove_all(dir.path / "fr");
  std::filesystem::remove_all(dir.path / "en");
  std::filesystem::remove(dir.path);
  CHECK_FALSE(set->reload().ok());
  CHECK(*set->render("fr", "a.txt", json::object{}) == "two");
  std::filesystem::create_directories(dir.path);
}

TEST_CASE("the shipped mail templates all parse") {
  auto set = TemplateSet::load(std::filesystem::path(RELAIS_SOURCE_DIR) / "etc" / "templates");
  REQUIRE_MESSAGE(set.ok(), (set.ok() ? "" : set.error().message));
  for (std::string lang : {"fr", "en"}) {
    for (std::string name :
         {"ack", "refused_sender", "referent_request", "needs_changes", "scheduled", "published",
          "rejected", "publish_failed", "takedown_ack"}) {
      CAPTURE(lang);
      CAPTURE(name);
      CHECK(set->has(lang, name + ".txt"));
    }
  }
}
