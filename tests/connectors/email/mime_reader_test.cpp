// parse_mail on the golden .eml files of tests/data/mail (made by make_mail.py with Python's email
// package and swaks) and on hostile input: values, decoded attachment bytes (sha256 against the
// original files), limits and what is rejected as not a mail.
#include <doctest/doctest.h>
#include <glib.h>

#include <fstream>
#include <sstream>

#include "connectors/email/mime_reader.hpp"

namespace email = relais::connectors::email;

namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(RELAIS_SOURCE_DIR) + "/tests/data/mail/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing test file " << name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha256(const std::string& data) {
  gchar* hex = g_compute_checksum_for_data(
      G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(data.data()), data.size());
  std::string out(hex);
  g_free(hex);
  return out;
}

email::ParsedMail parse_data(const std::string& name) {
  auto r = email::parse_mail(read_data(name));
  REQUIRE_MESSAGE(r.ok(), name << ": " << (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

const std::string& jpeg() {
  static const std::string data = read_data("photo.jpg");
  return data;
}
const std::string& png() {
  static const std::string data = read_data("pixel.png");
  return data;
}

}  // namespace

TEST_CASE("plain text, quoted-printable, UTF-8") {
  const auto m = parse_data("plain.eml");
  CHECK(m.message_id == "plain-1@example.org");
  CHECK(m.from_address == "agent.dupont@example.org");
  CHECK(m.from_name == "Agent Dupont");
  CHECK(m.subject == "Fête du village");
  CHECK(m.date == "Mon, 02 Mar 2026 10:00:00 +0100");
  REQUIRE(m.to.size() == 1);
  CHECK(m.to[0] == "publications@example.org");
  CHECK(m.text.find("Voici la fête du village, été 2026.") != std::string::npos);
  CHECK(m.text.find("Auteur : Marie") != std::string::npos);
  CHECK(m.attachments.empty());
  CHECK_FALSE(email::is_automatic(m));
}

TEST_CASE("multipart/mixed with a JPEG and an inline PNG; thread headers") {
  const auto m = parse_data("photos.eml");
  CHECK(m.subject == "Photos de la fête");
  CHECK(m.text == "Deux photos ci-jointes.\n");
  CHECK(m.cc == std::vector<std::string>{"referent@example.org", "backup@example.org"});
  CHECK(m.in_reply_to == "earlier-1@example.org");
  CHECK(m.references == std::vector<std::string>{"root-0@example.org", "earlier-1@example.org"});
  REQUIRE(m.attachments.size() == 2);
  CHECK(m.attachments[0].filename == "photo.jpg");
  CHECK(m.attachments[0].content_type == "image/jpeg");
  CHECK_FALSE(m.attachments[0].inline_part);
  CHECK(sha256(m.attachments[0].data) == sha256(jpeg()));
  CHECK(m.attachments[1].filename == "pixel.png");
  CHECK(m.attachments[1].content_type == "image/png");
  CHECK(m.attachments[1].inline_part);
  CHECK(sha256(m.attachments[1].data) == sha256(png()));
}

TEST_CASE("multipart/alternative with HTML only, ISO-8859-1") {
  const auto m = parse_data("html_only.eml");
  CHECK(m.text == "Bonjour équipe,\n\nPremière ligne\nDeuxième & dernière");
  CHECK(m.attachments.empty());
}

TEST_CASE("RFC 2047 subject and sender name with adjacent words") {
  const auto m = parse_data("subject_rfc2047.eml");
  CHECK(m.subject == "Hello world - été à Paris\xF0\x9F\x8E\x89");
  CHECK(m.from_name == "Éloïse Martin");
  CHECK(m.from_address == "elo@example.org");
  CHECK(m.text == "Sujet encodé.\n");
}

TEST_CASE("RFC 2231 and RFC 2047 attachment names") {
  const auto m = parse_data("filename_rfc2231.eml");
  CHECK(m.text == "Noms.");
  REQUIRE(m.attachments.size() == 3);
  CHECK(m.attachments[0].filename == "été 2026.jpg");
  CHECK(sha256(m.attachments[0].data) == sha256(jpeg()));
  CHECK(m.attachments[1].filename == "fête_du_village.png");
  CHECK(m.attachments[2].filename == "été.png");
  CHECK(sha256(m.attachments[2].data) == sha256(png()));
}

TEST_CASE("base64 with '=' padding mid-line and in concatenated chunks (GMime issue 150)") {
  const auto m = parse_data("base64_padding.eml");
  CHECK(m.text == "Texte en base64, été.\n");
  REQUIRE(m.attachments.size() == 2);
  CHECK(m.attachments[0].filename == "chunked.jpg");
  CHECK(m.attachments[0].data.size() == jpeg().size());
  CHECK(sha256(m.attachments[0].data) == sha256(jpeg()));
  CHECK(m.attachments[1].filename == "padded.png");
  CHECK(sha256(m.attachments[1].data) == sha256(png()));
}

TEST_CASE("swaks --attach, bare LF line endings") {
  const auto m = parse_data("swaks_attach.eml");
  CHECK(m.subject == "via swaks");
  CHECK(m.message_id == "swaks-1@example.org");
  CHECK(m.text.find("Photo jointe.") == 0);
  REQUIRE(m.attachments.size() == 1);
  CHECK(m.attachments[0].filename == "photo.jpg");
  CHECK(m.attachments[0].content_type == "image/jpeg");
  CHECK(sha256(m.attachments[0].data) == sha256(jpeg()));
}

TEST_CASE("a truncated message parses as far as it goes") {
  const auto m = parse_data("truncated.eml");
  CHECK(m.subject == "Photos de la fête");
  CHECK(m.text == "Deux photos ci-jointes.\n");
  REQUIRE(m.attachments.size() <= 1);
  if (!m.attachments.empty()) {
    CHECK(m.attachments[0].data.size() < jpeg().size());
    CHECK(jpeg().starts_with(m.attachments[0].data));
  }
}

TEST_CASE("a message with no body") {
  const auto m = parse_data("no_body.eml");
  CHECK(m.subject == "rien");
  CHECK(m.text.empty());
  CHECK(m.attachments.empty());
}

TEST_CASE("attachment names that try to be paths are sanitised") {
  const auto m = parse_data("traversal.eml");
  REQUIRE(m.attachments.size() == 2);
  CHECK(m.attachments[0].filename == "_.._etc_passwd");
  CHECK(m.attachments[0].data == "root:x:0:0\n");
  CHECK(m.attachments[1].filename == "_.._win.png");
  for (const auto& a : m.attachments) {
    CHECK(a.filename.find('/') == std::string::npos);
    CHECK(a.filename.find('\\') == std::string::npos);
    CHECK_FALSE(a.filename.starts_with("."));
  }
}

TEST_CASE("automatic mail headers") {
  const auto m = parse_data("automatic.eml");
  CHECK(m.auto_submitted == "auto-replied");
  CHECK(m.precedence == "bulk");
  CHECK(m.has_list_headers);
  CHECK(m.authentication_results ==
        std::vector<std::string>{"mx.example.org; dkim=pass", "mx.example.org; spf=fail"});
  CHECK(email::is_automatic(m));

  email::ParsedMail p;
  CHECK_FALSE(email::is_automatic(p));
  p.auto_submitted = "no";
  CHECK_FALSE(email::is_automatic(p));
  p.auto_submitted = "auto-generated";
  CHECK(email::is_automatic(p));
  p = {};
  p.precedence = "junk";
  CHECK(email::is_automatic(p));
  p.precedence = "list";
  CHECK(email::is_automatic(p));
  p.precedence = "first-class";
  CHECK_FALSE(email::is_automatic(p));
  p.has_list_headers = true;
  CHECK(email::is_automatic(p));
}

TEST_CASE("input that is not a mail is rejected with a sentence") {
  for (const char* raw : {"", "   \r\n\r\n", "just some words without any header\n",
                          "\x00\x01\x02\x03", "X-Only: header\r\n\r\n"}) {
    auto r = email::parse_mail(raw);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::invalid_input);
    CHECK(r.error().message.size() > 10);
  }
  const std::string binary(4096, '\xff');
  CHECK_FALSE(email::parse_mail(binary).ok());
}

TEST_CASE("malformed but real mail still parses") {
  SUBCASE("unparseable From, no Message-ID") {
    auto r = email::parse_mail("From: not an address\r\nSubject: x\r\n\r\nbody\r\n");
    REQUIRE(r.ok());
    CHECK(r->from_address.empty());
    CHECK(r->message_id.empty());
    CHECK(r->text == "body\n");
  }
  SUBCASE("multipart without its closing boundary or with no boundary parameter") {
    auto r = email::parse_mail(
        "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        "Content-Type: text/plain\r\n\r\nhello\r\n--x\r\nContent-Type: image/png\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\niVBO");
    REQUIRE(r.ok());
    CHECK(r->text.find("hello") == 0);
    auto r2 = email::parse_mail(
        "From: a@b.c\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhello\r\n");
    REQUIRE(r2.ok());
  }
  SUBCASE("unknown charset and transfer encoding") {
    auto r = email::parse_mail(
        "From: a@b.c\r\nContent-Type: text/plain; charset=x-bogus\r\n"
        "Content-Transfer-Encoding: x-weird\r\n\r\nf\xEAte\r\n");
    REQUIRE(r.ok());
    CHECK(r->text == "fête\n");
  }
  SUBCASE("group addresses and upper case are flattened to lowercase addr-specs") {
    auto r = email::parse_mail(
        "From: A@B.C\r\nTo: team: One <ONE@x.org>, two@x.org;, three@x.org\r\n"
        "Reply-To: <Back@X.org>\r\nIn-Reply-To: <p@x> (comment)\r\n\r\nx");
    REQUIRE(r.ok());
    CHECK(r->to == std::vector<std::string>{"one@x.org", "two@x.org", "three@x.org"});
    CHECK(r->reply_to == "back@x.org");
    CHECK(r->in_reply_to == "p@x");
  }
}

TEST_CASE("limits: nesting depth and part count") {
  auto nested = [](int depth) {
    std::string head = "From: a@b.c\r\nMessage-ID: <n@b.c>\r\n";
    std::string body;
    for (int i = 0; i < depth; ++i) {
      head += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n";
      head += "--b" + std::to_string(i) + "\r\n";
    }
    head += "Content-Type: text/plain\r\n\r\ndeep\r\n";
    for (int i = depth - 1; i >= 0; --i) {
      head += "--b" + std::to_string(i) + "--\r\n";
    }
    return head;
  };
  auto ok = email::parse_mail(nested(20));
  REQUIRE(ok.ok());
  CHECK(ok->text.find("deep") == 0);
  auto deep = email::parse_mail(nested(21));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().kind == relais::ErrorKind::invalid_input);
  CHECK(deep.error().message.find("20") != std::string::npos);
  auto hostile = email::parse_mail(nested(5000));
  CHECK_FALSE(hostile.ok());

  auto many = [](int parts) {
    std::string s = "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n";
    for (int i = 0; i < parts; ++i) {
      s += "--m\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n";
    }
    return s + "--m--\r\n";
  };
  auto r99 = email::parse_mail(many(99));  // 99 leaves + the multipart = 100 parts
  REQUIRE(r99.ok());
  CHECK(r99->attachments.size() == 99);
  auto r100 = email::parse_mail(many(100));
  REQUIRE_FALSE(r100.ok());
  CHECK(r100.error().message.find("100") != std::string::npos);
}

TEST_CASE("Return-Path as the delivering server wrote it: an address, the null sender, none") {
  auto parse = [](const std::string& head) {
    auto r = email::parse_mail(head +
                               "From: Agent <agent@example.org>\r\nSubject: x\r\n"
                               "Message-ID: <rp@example.org>\r\n\r\nBonjour\r\n");
    REQUIRE(r.ok());
    return std::move(r).value();
  };
  CHECK(parse("Return-Path: <Agent.Dupont@Example.org>\r\n").return_path ==
        "agent.dupont@example.org");
  CHECK(parse("Return-Path: <>\r\n").return_path == "");  // a bounce
  CHECK(parse("Return-Path:   <bounce+x@list.example.org>  \r\n").return_path ==
        "bounce+x@list.example.org");
  // Two (a message delivered twice): the first, written last by the final server, counts.
  CHECK(parse("Return-Path: <first@example.org>\r\nReturn-Path: <second@example.org>\r\n")
            .return_path == "first@example.org");
  CHECK_FALSE(parse("").return_path.has_value());
}
