// Tests of build_message, make_message_id and render_mail. Built messages are parsed back with
// /usr/bin/python3's email package (policy.default) in a subprocess and compared field by field.
#include "connectors/email/message_builder.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <regex>

#include "connectors/email/message_encoding.hpp"

using relais::ErrorKind;
using relais::connectors::OutgoingMail;
using relais::connectors::TemplateSet;
using namespace relais::connectors::email;
namespace json = boost::json;
using namespace std::string_literals;

namespace {

constexpr const char* kParser = R"PY(
import sys, json, email, email.utils
from email import policy
raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=policy.default)
def norm(s):
    return None if s is None else s.replace('\r\n', '\n')
out = {}
out['headers'] = {k.lower(): str(v) for k, v in msg.items()}
out['header_count'] = {k.lower(): len(msg.get_all(k)) for k in msg.keys()}
frm = msg['from']
out['from_addr'] = frm.addresses[0].addr_spec
out['from_name'] = frm.addresses[0].display_name
out['to'] = [a.addr_spec for a in msg['to'].addresses]
out['date'] = int(email.utils.parsedate_to_datetime(msg['date']).timestamp())
out['content_type'] = msg.get_content_type()
out['parts'] = [p.get_content_type() for p in msg.walk()]
out['charsets'] = [p.get_content_charset() for p in msg.walk() if not p.is_multipart()]
t = msg.get_body(('plain',))
h = msg.get_body(('html',))
out['text'] = norm(t.get_content()) if t is not None else None
out['html'] = norm(h.get_content()) if h is not None else None
defects = []
for p in msg.walk():
    defects += [type(d).__name__ for d in p.defects]
    for v in p.values():
        defects += [type(d).__name__ for d in getattr(v, 'defects', [])]
out['defects'] = defects
lines = raw.split(b'\r\n')
out['max_line'] = max(len(l) for l in lines)
out['bare_lf_or_cr'] = b'\n' in b''.join(lines) or b'\r' in b''.join(lines)
out['eight_bit'] = any(b > 127 for b in raw)
print(json.dumps(out))
)PY";

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "relais-msg-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << text;
  }
};

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) {
    out.append(buf.data(), n);
  }
  REQUIRE(pclose(p) == 0);
  return out;
}

// Parses `data` with Python's email package and returns what it saw.
json::object parse_with_python(const std::string& data) {
  TempDir dir;
  dir.write("parser.py", kParser);
  dir.write("mail.eml", data);
  std::string out = run("/usr/bin/python3 " + (dir.path / "parser.py").string() + " " +
                        (dir.path / "mail.eml").string());
  return json::parse(out).as_object();
}

std::string str(const json::value& v) {
  return std::string(v.as_string());
}

MailParts basic_parts() {
  MailParts p;
  p.from = "publications@example.org";
  p.from_name = "relais";
  p.to = {"agent@example.org"};
  p.subject = "Hello";
  p.text = "Line one\nLine two\n";
  p.message_id = "relais.abc@example.org";
  p.date = std::chrono::system_clock::time_point(std::chrono::seconds(1767259800));
  return p;
}

OutgoingMail build_ok(const MailParts& p) {
  auto r = build_message(p);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

void check_clean(const json::object& m) {
  CHECK(m.at("defects").as_array().empty());
  CHECK(m.at("max_line").as_int64() <= 76);
  CHECK_FALSE(m.at("bare_lf_or_cr").as_bool());
}

std::string build_error(const MailParts& p) {
  auto r = build_message(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::invalid_input);
  return r.error().message;
}

}  // namespace

TEST_CASE("a plain message has every required header and decodes back") {
  MailParts p = basic_parts();
  OutgoingMail mail = build_ok(p);
  CHECK(mail.envelope_from == "publications@example.org");
  CHECK(mail.recipients == std::vector<std::string>{"agent@example.org"});
  CHECK(mail.message_id == "relais.abc@example.org");
  CHECK(mail.data.find("Date: Thu, 01 Jan 2026 09:30:00 +0000\r\n") == 0);

  json::object m = parse_with_python(mail.data);
  check_clean(m);
  const auto& h = m.at("headers").as_object();
  CHECK(str(h.at("subject")) == "Hello");
  CHECK(str(h.at("message-id")) == "<relais.abc@example.org>");
  CHECK(str(h.at("mime-version")) == "1.0");
  CHECK(str(h.at("auto-submitted")) == "auto-generated");
  CHECK(h.if_contains("in-reply-to") == nullptr);
  CHECK(h.if_contains("references") == nullptr);
  CHECK(str(m.at("from_addr")) == "publications@example.org");
  CHECK(str(m.at("from_name")) == "relais");
  CHECK(m.at("to").as_array() == json::array{"agent@example.org"});
  CHECK(m.at("date").as_int64() == 1767259800);
  CHECK(str(m.at("content_type")) == "text/plain");
  CHECK(m.at("charsets").as_array() == json::array{"utf-8"});
  CHECK(str(m.at("text")) == "Line one\nLine two\n");
  for (const auto& [k, n] : m.at("header_count").as_object()) {
    CAPTURE(std::string(k));
    CHECK(n.as_int64() == 1);
  }
}

TEST_CASE("non-ASCII subject and display name are RFC 2047 encoded, folded, and decode") {
  MailParts p = basic_parts();
  p.from_name = "relais — publications";
  std::string subject;
  for (int i = 0; i < 12; ++i) {
    subject += "Réception de votre envoi « Fête des écoles » n°" + std::to_string(i) + " ";
  }
  subject += "😀 fin";
  p.subject = subject;
  OutgoingMail mail = build_ok(p);
  json::object m = parse_with_python(mail.data);
  check_clean(m);
  CHECK(str(m.at("headers").at("subject")) == subject.substr(0, subject.size()));
  CHECK(str(m.at("from_name")) == "relais — publications");
  // Every encoded word is at most 75 characters.
  std::regex word("=\\?[^?]+\\?[BbQq]\\?[^?]*\\?=");
  int words = 0;
  for (auto it = std::sregex_iterator(mail.data.begin(), mail.data.end(), word);
       it != std::sregex_iterator(); ++it) {
    ++words;
    CHECK(it->length() <= 75);
  }
  CHECK(words > 5);
}

TEST_CASE("ASCII values that look like encoded words or cannot be folded are encoded") {
  MailParts p = basic_parts();
  p.subject = "=?utf-8?B?SGk=?= literal";
  json::object m = parse_with_python(build_ok(p).data);
  check_clean(m);
  CHECK(str(m.at("headers").at("subject")) == "=?utf-8?B?SGk=?= literal");

  p.subject = std::string(150, 'x');
  m = parse_with_python(build_ok(p).data);
  check_clean(m);
  CHECK(str(m.at("headers").at("subject")) == std::string(150, 'x'));

  std::string long_words;
  for (int i = 0; i < 30; ++i) {
    long_words += "word" + std::to_string(i) + " ";
  }
  long_words += "end";
  p.subject = long_words;
  OutgoingMail mail = build_ok(p);
  CHECK(mail.data.find("=?utf-8?") == std::string::npos);  // plain folding suffices
  m = parse_with_python(mail.data);
  check_clean(m);
  CHECK(str(m.at("headers").at("subject")) == long_words);

  p.subject = "";
  m = parse_with_python(build_ok(p).data);
  CHECK(str(m.at("headers").at("subject")) == "");
}

TEST_CASE("display names with specials are quoted") {
  MailParts p = basic_parts();
  p.from_name = "Doe, \"John\" \\ <x@evil.example>";
  json::object m = parse_with_python(build_ok(p).data);
  check_clean(m);
  CHECK(str(m.at("from_addr")) == "publications@example.org");
  CHECK(str(m.at("from_name")) == "Doe, \"John\" \\ <x@evil.example>");

  p.from_name = "   ";
  OutgoingMail mail = build_ok(p);
  CHECK(mail.data.find("From: publications@example.org\r\n") != std::string::npos);
}

TEST_CASE("the body is quoted-printable, 7-bit, and decodes to the same text") {
  MailParts p = basic_parts();
  std::string text = "Bonjour Zoé,\n\n";
  text += ".a line starting with a dot\n.\n";
  text += "From the start of a line\n";
  text += "trailing spaces   \ntrailing tab\t\n";
  text += "equals = signs == here\n";
  text += std::string(200, 'a') + "\n";
  text += std::string(100, 0x27) + "é" + std::string(100, 'b') + "\n";
  text += "windows\r\nold mac\rend without newline";
  p.text = text;
  OutgoingMail mail = build_ok(p);
  json::object m = parse_with_python(mail.data);
  check_clean(m);
  std::string expected = std::regex_replace(text, std::regex("\r\n|\r"), "\n");
  CHECK(str(m.at("text")) == expected + "\n");
  CHECK(mail.data.find("\r\n=46rom the start") != std::string::npos);
}

TEST_CASE("a plain text with short lines goes as 8bit so that its links stay whole") {
  MailParts p = basic_parts();
  p.text =
      "Approuver :\n  "
      "http://127.0.0.1:8080/a/oVDl5TTGVmm60U3sTp9irFulmcvbIsfl4_j8GClMEcg?action=approve\n";
  OutgoingMail mail = build_ok(p);
  CHECK(mail.data.find("Content-Transfer-Encoding: 8bit") != std::string::npos);
  CHECK(mail.data.find("oVDl5TTGVmm60U3sTp9irFulmcvbIsfl4_j8GClMEcg?action=approve\r\n") !=
        std::string::npos);
  json::object m = parse_with_python(mail.data);
  CHECK(str(m.at("text")) == p.text);
}

TEST_CASE("quoted_printable edge cases") {
  CHECK(quoted_printable("") == "");
  CHECK(quoted_printable("a \n") == "a=20\r\n");
  CHECK(quoted_printable("\t") == "=09");
  CHECK(quoted_printable("=") == "=3D");
  CHECK(quoted_printable(std::string("\0", 1)) == "=00");
  CHECK(quoted_printable("\n\n") == "\r\n\r\n");
  CHECK(quoted_printable("\r\r\n") == "\r\n\r\n");
  std::string long_line = quoted_printable(std::string(300, 'x'));
  for (std::size_t pos = 0, eol; (eol = long_line.find("\r\n", pos)) != std::string::npos;
       pos = eol + 2) {
    CHECK(eol - pos <= 76);
  }
  // An escape is never split by a soft line break.
  std::string accents;
  for (int i = 0; i < 40; ++i)
    accents += "é";
  std::string qp = quoted_printable(accents);
  CHECK(qp.find("=\r\n") != std::string::npos);
  CHECK(std::regex_search(qp, std::regex("=[0-9A-F]=\r\n")) == false);
}

TEST_CASE("an HTML alternative makes multipart/alternative with both parts decodable") {
  MailParts p = basic_parts();
  p.html =
      "<!DOCTYPE html><html><body><p style=\"color:#333\">Bonjour Zoé — "
      "<a href=\"https://example.org/a/x?y=1&amp;z=2\">Ouvrir</a></p></body></html>\n";
  OutgoingMail mail = build_ok(p);
  json::object m = parse_with_python(mail.data);
  check_clean(m);
  CHECK(str(m.at("content_type")) == "multipart/alternative");
  CHECK(m.at("parts").as_array() ==
        json::array{"multipart/alternative", "text/plain", "text/html"});
  CHECK(m.at("charsets").as_array() == json::array{"utf-8", "utf-8"});
  CHECK(str(m.at("text")) == "Line one\nLine two\n");
  CHECK(str(m.at("html")) == p.html);
}

TEST_CASE("threading headers and extra headers") {
  MailParts p = basic_parts();
  p.in_reply_to = "CAF+abc=1@mail.example.com";
  for (int i = 0; i < 8; ++i) {
    p.references.push_back("ref-" + std::to_string(i) + "-0123456789abcdef@host.example.org");
  }
  p.extra_headers = {{"X-Relais-Reference", "PUB-2026-0042"},
                     {"Auto-Submitted", "auto-replied"},
                     {"X-Note", "équipe communication"}};
  OutgoingMail mail = build_ok(p);
  json::object m = parse_with_python(mail.data);
  check_clean(m);
  const auto& h = m.at("headers").as_object();
  CHECK(str(h.at("in-reply-to")) == "<CAF+abc=1@mail.example.com>");
  std::string refs;
  for (const auto& r : p.references)
    refs += (refs.empty() ? "<" : " <") + r + ">";
  CHECK(str(h.at("references")) == refs);
  CHECK(str(h.at("x-relais-reference")) == "PUB-2026-0042");
  CHECK(str(h.at("auto-submitted")) == "auto-replied");
  CHECK(m.at("header_count").at("auto-submitted").as_int64() == 1);
  CHECK(str(h.at("x-note")) == "équipe communication");
}

TEST_CASE("several recipients") {
  MailParts p = basic_parts();
  p.to.clear();
  for (int i = 0; i < 10; ++i)
    p.to.push_back("person" + std::to_string(i) + "@example.org");
  OutgoingMail mail = build_ok(p);
  CHECK(mail.recipients.size() == 10);
  json::object m = parse_with_python(mail.data);
  check_clean(m);
  CHECK(m.at("to").as_array().size() == 10);
  CHECK(str(m.at("to").as_array()[9]) == "person9@example.org");
}

TEST_CASE("the same parts give the same bytes; an unset date means now") {
  MailParts p = basic_parts();
  p.html = "<p>x</p>";
  CHECK(build_ok(p).data == build_ok(p).data);
  p.date = {};
  auto before = std::chrono::system_clock::now() - std::chrono::seconds(2);
  json::object m = parse_with_python(build_ok(p).data);
  CHECK(m.at("date").as_int64() >= std::chrono::system_clock::to_time_t(before));
}

TEST_CASE("header injection and malformed values are refused") {
  auto with = [](auto change) {
    MailParts p = basic_parts();
    change(p);
    return build_error(p);
  };
  CHECK(with([](MailParts& p) { p.from = "a@example.org\r\nBcc: x@y.org"; }) ==
        "the From address is not a valid address");
  CHECK(with([](MailParts& p) {
          p.to = {"ok@example.org", "b@example.org\nBcc: c@d.org"};
        }) == "recipient 2 is not a valid address");
  CHECK(with([](MailParts& p) { p.to.clear(); }) == "the message has no recipient");
  CHECK(with([](MailParts& p) { p.to.assign(101, "a@example.org"); }) ==
        "the message has too many recipients");
  CHECK(with([](MailParts& p) { p.subject = "Hi\r\nBcc: x@y.org"; }) ==
        "the subject contains a line break or NUL");
  CHECK(with([](MailParts& p) { p.subject = "Hi\nthere"; }) ==
        "the subject contains a line break or NUL");
  CHECK(with([](MailParts& p) { p.subject = "Hi\0there"s; }) ==
        "the subject contains a line break or NUL");
  CHECK(with([](MailParts& p) { p.subject = "Hi\x1b[31m"; }) ==
        "the subject contains a control character");
  CHECK(with([](MailParts& p) { p.subject = "caf\xe9"; }) == "the subject is not valid UTF-8");
  CHECK(with([](MailParts& p) { p.from_name = "relais\r\nBcc: x@y.org"; }) ==
        "the sender display name contains a line break or NUL");
  CHECK(with([](MailParts& p) { p.message_id = ""; }) == "the Message-ID is missing or malformed");
  CHECK(with([](MailParts& p) { p.message_id = "no-at-sign"; }) ==
        "the Message-ID is missing or malformed");
  CHECK(with([](MailParts& p) { p.message_id = "<a@b>"; }) ==
        "the Message-ID is missing or malformed");
  CHECK(with([](MailParts& p) { p.message_id = "a b@c"; }) ==
        "the Message-ID is missing or malformed");
  CHECK(with([](MailParts& p) { p.message_id = "a@b\r\nBcc: x@y"; }) ==
        "the Message-ID is missing or malformed");
  CHECK(with([](MailParts& p) { p.message_id = std::string(251, 'a') + "@b"; }) ==
        "the Message-ID is missing or malformed");
  CHECK(with([](MailParts& p) { p.in_reply_to = "x@y>\r\nBcc: a@b"; }) ==
        "the In-Reply-To id is malformed");
  CHECK(with([](MailParts& p) {
          p.references = {"good@x", "bad\n@x"};
        }) == "a References id is malformed");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"X-Bad:Name", "v"}};
        }) == "an extra header has an invalid name");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"X Bad", "v"}};
        }) == "an extra header has an invalid name");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"", "v"}};
        }) == "an extra header has an invalid name");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{std::string(41, 'X'), "v"}};
        }) == "an extra header has an invalid name");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"bcc", "x@y.org"}};
        }) == "the extra header bcc is set by the builder itself");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"Content-Type", "text/html"}};
        }) == "the extra header Content-Type is set by the builder itself");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"content-language", "fr"}};
        }) == "the extra header content-language is set by the builder itself");
  CHECK(with([](MailParts& p) {
          p.extra_headers = {{"X-A", "v\r\nBcc: x@y.org"}};
        }) == "the X-A header contains a line break or NUL");
  CHECK(with([](MailParts& p) { p.text = "caf\xe9"; }) == "the text body is not valid UTF-8");
  CHECK(with([](MailParts& p) { p.html = "\xff"; }) == "the HTML body is not valid UTF-8");
}

TEST_CASE("addr-spec validation") {
  for (std::string good : std::vector<std::string>{
           "a@b", "first.last@example.org", "a+tag@sub.example.co.uk", "o'neil@example.org",
           "x@localhost", "A_B-c@EXAMPLE.ORG", std::string(64, 'l') + "@example.org"}) {
    CAPTURE(good);
    CHECK(is_valid_addr_spec(good));
  }
  for (std::string bad : std::vector<std::string>{"",
                                                  "a",
                                                  "@x.org",
                                                  "a@",
                                                  "a@@b.org",
                                                  "a..b@x.org",
                                                  ".a@x.org",
                                                  "a.@x.org",
                                                  "a@-x.org",
                                                  "a@x-.org",
                                                  "a@x..org",
                                                  "a@.x.org",
                                                  "a@x.org.",
                                                  "a b@x.org",
                                                  "\"q\"@x.org",
                                                  "a@[192.0.2.1]",
                                                  "\xc3\xa9@x.org",
                                                  "a@\xc3\xa9.org",
                                                  "a@x.org\n",
                                                  "a@x.org\r",
                                                  "a@x_y.org",
                                                  "<a@x.org>",
                                                  "a@x.org, b@y.org",
                                                  "a\0@x.org"s,
                                                  std::string(65, 'l') + "@example.org",
                                                  "a@" + std::string(64, 'd') + ".org",
                                                  "a@" + std::string(250, 'd')}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_addr_spec(bad));
  }
}

TEST_CASE("is_valid_utf8") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("é — 😀"));
  CHECK_FALSE(is_valid_utf8("\xc3"));
  CHECK_FALSE(is_valid_utf8("\xe2\x80"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
}

TEST_CASE("make_message_id is stable per key and valid") {
  std::string a = make_message_id("request-42/effect-7", "example.org");
  CHECK(a == make_message_id("request-42/effect-7", "example.org"));
  CHECK(a != make_message_id("request-42/effect-8", "example.org"));
  CHECK(std::regex_match(a, std::regex("relais\\.[0-9a-f]{32}@example\\.org")));
  MailParts p = basic_parts();
  p.message_id = a;
  json::object m = parse_with_python(build_ok(p).data);
  CHECK(str(m.at("headers").at("message-id")) == "<" + a + ">");
}

TEST_CASE("render_mail splits the subject, escapes per part and keeps one language") {
  TempDir dir;
  dir.write("fr/hello.txt",
            "Subject: Bonjour {{name}} [{{ref}}]\n\nBonjour {{name}},\n{{#items}}\n- "
            "{{.}}\n{{/items}}\n");
  dir.write("fr/hello.html", "<p>Bonjour {{name}}</p>");
  dir.write("en/hello.txt", "Subject: Hello {{name}}\r\n\r\nHello {{name}}\r\n");
  dir.write("fr/nosubject.txt", "Bonjour\n\nx");
  dir.write("fr/noblank.txt", "Subject: x\nbody");
  dir.write("fr/split.txt", "Subject: {{#a}}x\n\n{{/a}}");
  auto set = TemplateSet::load(dir.path);
  REQUIRE(set.ok());

  json::value ctx = {
      {"name", "Zoé <b>\r\nBcc: x@y.org"}, {"ref", "PUB-1"}, {"items", json::array{"un", "deux"}}};
  MailParts p = basic_parts();
  auto r = render_mail(*set, "fr", "hello", ctx, p);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(p.subject == "Bonjour Zoé <b>  Bcc: x@y.org [PUB-1]");
  CHECK(p.text == "Bonjour Zoé <b>\r\nBcc: x@y.org,\n- un\n- deux\n");
  CHECK(p.html == "<p>Bonjour Zoé &lt;b&gt;\r\nBcc: x@y.org</p>");
  json::object m = parse_with_python(build_ok(p).data);
  check_clean(m);
  CHECK(str(m.at("headers").at("subject")) == "Bonjour Zoé <b>  Bcc: x@y.org [PUB-1]");
  CHECK(m.at("header_count").as_object().if_contains("bcc") == nullptr);

  // English has no hello.html: no French HTML mixed into an English mail.
  r = render_mail(*set, "en", "hello", ctx, p);
  REQUIRE(r.ok());
  CHECK(p.subject == "Hello Zoé <b>  Bcc: x@y.org");
  CHECK(p.text == "Hello Zoé <b>\r\nBcc: x@y.org\r\n");
  CHECK(p.html.empty());

  // An unknown language falls back to French for both parts.
  r = render_mail(*set, "de", "hello", ctx, p);
  REQUIRE(r.ok());
  CHECK(p.html == "<p>Bonjour Zoé &lt;b&gt;\r\nBcc: x@y.org</p>");

  auto fails = [&](std::string_view name) {
    auto e = render_mail(*set, "fr", name, ctx, p);
    REQUIRE_FALSE(e.ok());
    return e.error().message;
  };
  CHECK(fails("nosubject") == "mail template fr/nosubject.txt must start with a 'Subject:' line");
  CHECK(fails("noblank") ==
        "mail template fr/noblank.txt needs a blank line after the Subject line");
  CHECK(fails("split").find("fr/split.txt: template line 1:") == 0);
  CHECK(fails("missing") ==
        "template 'missing.txt' exists neither for language 'fr' nor for the fallback 'fr'");
}

TEST_CASE("render_mail reports a body error with the file's line number") {
  TempDir dir;
  dir.write("fr/x.txt", "Subject: ok\n\nline3\n{{#open}}\n");
  // The file as a whole fails to load, so check the line number through render_template directly.
  auto set = TemplateSet::load(dir.path);
  REQUIRE_FALSE(set.ok());
  CHECK(set.error().message.find("template line 4: section 'open' is never closed") !=
        std::string::npos);
}
