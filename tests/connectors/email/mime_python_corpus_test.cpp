// Golden run over the 47 messages of CPython's email test suite (Debian package
// libpython3.11-testsuite): no crash, sensible values for the messages checked by hand.
// Fails clearly when the corpus is missing: CI installs that package.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/email/mime_reader.hpp"

namespace email = relais::connectors::email;
namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = "/usr/lib/python3.11/test/test_email/data";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

email::ParsedMail parse_corpus(const char* name) {
  auto r = email::parse_mail(read_file(kCorpus / name));
  REQUIRE_MESSAGE(r.ok(), name << ": " << (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

}  // namespace

TEST_CASE("python email corpus: all 47 messages parse without crashing") {
  REQUIRE_MESSAGE(fs::is_directory(kCorpus),
                  "missing " << kCorpus << ": install the Debian package libpython3.11-testsuite");
  int seen = 0;
  int parsed = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("msg_") || !name.ends_with(".txt")) {
      continue;
    }
    ++seen;
    auto r = email::parse_mail(read_file(entry.path()));
    if (r.ok()) {
      ++parsed;
      for (const auto& a : r->attachments) {
        CHECK_MESSAGE(a.filename.find('/') == std::string::npos, name);
        CHECK_MESSAGE(!a.content_type.empty(), name);
        CHECK_MESSAGE(!a.data.empty(), name);
      }
    } else {
      MESSAGE(name << " rejected: " << r.error().message);
      CHECK(r.error().kind == relais::ErrorKind::invalid_input);
      CHECK(!r.error().message.empty());
    }
  }
  CHECK(seen == 47);
  CHECK(parsed >= 45);
}

TEST_CASE("python email corpus: values checked by hand") {
  REQUIRE(fs::is_directory(kCorpus));
  SUBCASE("plain message") {
    const auto m = parse_corpus("msg_01.txt");
    CHECK(m.subject == "This is a test message");
    CHECK(m.from_address == "bbb@ddd.com");
    CHECK(m.message_id == "15090.61304.110929.45684@aaa.zzz.org");
    CHECK(m.attachments.empty());
  }
  SUBCASE("text and a GIF") {
    const auto m = parse_corpus("msg_07.txt");
    CHECK(m.subject == "Here is your dingus fish");
    CHECK(m.from_name == "Barry");
    CHECK(m.text.find("This is the dingus fish.") != std::string::npos);
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].filename == "dingusfish.gif");
    CHECK(m.attachments[0].content_type == "image/gif");
    CHECK(m.attachments[0].data.starts_with("GIF8"));
  }
  SUBCASE("nested multiparts") {
    const auto m = parse_corpus("msg_13.txt");
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].content_type == "image/gif");
  }
  SUBCASE("two named text attachments") {
    const auto m = parse_corpus("msg_04.txt");
    CHECK(m.subject == "a simple multipart");
    CHECK(m.attachments.size() == 2);
  }
  SUBCASE("a message whose only content is an attached message") {
    const auto m = parse_corpus("msg_11.txt");
    CHECK(m.subject == "The enclosing message");
    CHECK(m.text.find("Here is the body of the message.") != std::string::npos);
  }
  SUBCASE("multipart/signed: the signature is no attachment") {
    const auto m = parse_corpus("msg_45.txt");
    CHECK(m.text.find("This is the signed contents.") != std::string::npos);
    CHECK(m.attachments.empty());
  }
  SUBCASE("RFC 2231 charset on Content-Type") {
    const auto m = parse_corpus("msg_32.txt");
    CHECK(m.from_name == "Anne Person");
    CHECK(m.text.find("Some message.") != std::string::npos);
  }
  SUBCASE("not mail: headers only, no From, no id, no body") {
    auto r = email::parse_mail(read_file(kCorpus / "msg_18.txt"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == relais::ErrorKind::invalid_input);
  }
  SUBCASE("not mail: no header block at all") {
    auto r = email::parse_mail(read_file(kCorpus / "msg_19.txt"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("header") != std::string::npos);
  }
}
