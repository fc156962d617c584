// parse_form_body on bodies built the way browsers build them (RFC 7578, the HTML form
// submission algorithm) and on hostile ones: exact file bytes, decoded names, first value wins,
// and a clear refusal for a missing boundary, a truncated body, too many parts or files, and an
// oversized body.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "connectors/email/mime_form_data.hpp"

namespace email = relais::connectors::email;

namespace {

const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
const std::string kType = "multipart/form-data; boundary=" + kBoundary;

std::string field(const std::string& name, const std::string& value) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
         value + "\r\n";
}

std::string file(const std::string& name, const std::string& disposition_tail,
                 const std::string& type, const std::string& data) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" +
         disposition_tail + "\r\nContent-Type: " + type + "\r\n\r\n" + data + "\r\n";
}

std::string close() {
  return "--" + kBoundary + "--\r\n";
}

email::FormData parse_ok(const std::string& type, const std::string& body,
                         email::FormLimits limits = {}) {
  auto r = email::parse_form_body(type, body, limits);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

std::string parse_error(const std::string& type, const std::string& body,
                        email::FormLimits limits = {}) {
  auto r = email::parse_form_body(type, body, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == relais::ErrorKind::invalid_input);
  return r.error().message;
}

std::string photo() {
  std::ifstream in(std::string(RELAIS_SOURCE_DIR) + "/tests/data/mail/photo.jpg", std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("urlencoded: '+' is a space, %XX a byte, CRLF a newline, the first value wins") {
  const auto f = parse_ok("application/x-www-form-urlencoded",
                          "name=Jeanne+Martin&email=j%40example.org&description=ligne+1%0D%0A"
                          "ligne+2&name=second&empty=&flag&caf%C3%A9=%C3%A9t%C3%A9&bad=%zz%4");
  CHECK(f.field("name") == "Jeanne Martin");
  CHECK(f.field("email") == "j@example.org");
  CHECK(f.field("description") == "ligne 1\nligne 2");
  CHECK(f.field("empty").empty());
  CHECK(f.fields.count("flag") == 1);
  CHECK(f.field("café") == "été");
  CHECK(f.field("bad") == "%zz%4");
  CHECK(f.field("missing").empty());
  CHECK(f.files.empty());
}

TEST_CASE("urlencoded: invalid UTF-8 comes out valid") {
  const auto f = parse_ok("application/x-www-form-urlencoded; charset=UTF-8", "t=%FF%FEabc");
  CHECK(f.field("t").find("abc") != std::string::npos);
}

TEST_CASE("multipart: fields and a binary file keep their exact bytes") {
  using namespace std::string_literals;
  // NUL bytes, CRLF, dashes and lines that start with the boundary but are longer.
  std::string binary = "\x00\x01\r\n--\r\n\xff\xd8 not a boundary\r\n--"s + kBoundary + "x\r\n";
  binary += "\r\n--" + kBoundary + "suffix is content\r\n\x00"s;
  REQUIRE(binary[0] == '\0');
  REQUIRE(binary.back() == '\0');
  const std::string body =
      field("name", "Jeanne") + field("email", "j@example.org") +
      field("description", "La photo\r\nde la fête") +
      file("files", "; filename=\"a.bin\"", "application/octet-stream", binary) + close();
  const auto f = parse_ok(kType, body);
  CHECK(f.field("name") == "Jeanne");
  CHECK(f.field("email") == "j@example.org");
  CHECK(f.field("description") == "La photo\nde la fête");
  REQUIRE(f.files.size() == 1);
  CHECK(f.files[0].field == "files");
  CHECK(f.files[0].filename == "a.bin");
  CHECK(f.files[0].content_type == "application/octet-stream");
  CHECK(f.files[0].data == binary);
}

TEST_CASE("multipart: only the CRLF that belongs to the delimiter is taken off") {
  for (const std::string data : {"a\r\n", "a\r\n\r\n", "a\n", "\r\n", "a\r"}) {
    CAPTURE(data);
    const auto f = parse_ok(kType, file("f", "; filename=\"x\"", "text/plain", data) + close());
    REQUIRE(f.files.size() == 1);
    CHECK(f.files[0].data == data);
  }
}

TEST_CASE("multipart: a real JPEG and several files in one field") {
  const std::string jpeg = photo();
  const std::string body = file("files", "; filename=\"photo.jpg\"", "image/jpeg", jpeg) +
                           file("files", "; filename=\"deux.png\"", "IMAGE/PNG", "\x89PNG...") +
                           close();
  const auto f = parse_ok(kType, body);
  REQUIRE(f.files.size() == 2);
  CHECK(f.files[0].data == jpeg);
  CHECK(f.files[0].content_type == "image/jpeg");
  CHECK(f.files[1].filename == "deux.png");
  CHECK(f.files[1].content_type == "image/png");
}

TEST_CASE("multipart: quoted boundary, quoted names, the browser's %22 escape, first wins") {
  const std::string type = "multipart/form-data; boundary=\"" + kBoundary + "\"";
  const std::string body = "preamble is ignored\r\n" + field("a b", "1") +
                           field("say %22hi%22", "2") + field("a b", "second") + close() +
                           "epilogue is ignored";
  const auto f = parse_ok(type, body);
  CHECK(f.field("a b") == "1");
  CHECK(f.field("say \"hi\"") == "2");
}

TEST_CASE("multipart: UTF-8 file names, raw (RFC 7578) and filename* (RFC 5987)") {
  const std::string body =
      file("files", "; filename=\"café à l'été.jpg\"", "image/jpeg", "x") +
      file("files", "; filename=\"ete.png\"; filename*=UTF-8''%C3%A9t%C3%A9%20%E2%82%AC.png",
           "image/png", "y") +
      file("files", "; filename=\"../../etc/passwd\"", "text/plain", "z") +
      file("files", "; filename=\"C:\\\\Users\\\\x\\\\IMG_1.JPG\"", "image/jpeg", "w") + close();
  const auto f = parse_ok(kType, body);
  REQUIRE(f.files.size() == 4);
  CHECK(f.files[0].filename == "café à l'été.jpg");
  CHECK(f.files[1].filename == "été €.png");
  CHECK(f.files[2].filename.find('/') == std::string::npos);
  CHECK(f.files[3].filename.find('\\') == std::string::npos);
  CHECK(f.files[3].filename.ends_with("IMG_1.JPG"));
}

TEST_CASE("multipart: an empty file input and nameless parts are not files") {
  const std::string body = file("files", "; filename=\"\"", "application/octet-stream", "") + "--" +
                           kBoundary + "\r\nContent-Type: text/plain\r\n\r\nstray\r\n" + "--" +
                           kBoundary +
                           "\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nno\r\n" +
                           field("email", "j@example.org") + close();
  const auto f = parse_ok(kType, body);
  CHECK(f.files.empty());
  CHECK(f.fields.size() == 1);
  CHECK(f.field("email") == "j@example.org");
}

TEST_CASE("multipart: a part without a filename is a field, even with a file's type") {
  const auto f =
      parse_ok(kType, file("note", "", "text/plain; charset=iso-8859-1", "caf\xe9") + close());
  CHECK(f.files.empty());
  CHECK(f.field("note") == "café");
}

TEST_CASE("multipart: base64 from an old client is decoded") {
  const std::string body = "--" + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
                           "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                           "aGVsbG8gd29ybGQ=\r\n" +
                           close();
  const auto f = parse_ok(kType, body);
  REQUIRE(f.files.size() == 1);
  CHECK(f.files[0].data == "hello world");
}

TEST_CASE("multipart: LF-only line ends are read too") {
  const std::string body = "--" + kBoundary +
                           "\nContent-Disposition: form-data; name=\"email\"\n\nj@example.org\n"
                           "--" +
                           kBoundary + "--\n";
  const auto f = parse_ok(kType, body);
  CHECK(f.field("email") == "j@example.org");
}

TEST_CASE("multipart: missing or invalid boundary") {
  const std::string body = field("a", "1") + close();
  CHECK(parse_error("multipart/form-data", body).find("boundary") != std::string::npos);
  CHECK(parse_error("multipart/form-data; boundary=", body).find("boundary") != std::string::npos);
  CHECK(parse_error("multipart/form-data; boundary=\"a\\\"b\"", body).find("boundary") !=
        std::string::npos);
  CHECK(
      parse_error("multipart/form-data; boundary=" + std::string(71, 'a'), body).find("boundary") !=
      std::string::npos);
}

TEST_CASE("multipart: a truncated body is refused, not half read") {
  const std::string whole = field("email", "j@example.org") +
                            file("files", "; filename=\"p.jpg\"", "image/jpeg", photo()) + close();
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, whole.size() / 2, whole.size() - 5}) {
    CAPTURE(cut);
    CHECK(parse_error(kType, whole.substr(0, cut)).find("truncated") != std::string::npos);
  }
  CHECK(parse_error(kType, "no delimiter at all").find("truncated") != std::string::npos);
}

TEST_CASE("multipart: too many parts, too many files") {
  email::FormLimits limits;
  limits.max_parts = 3;
  limits.max_file_parts = 2;
  std::string three = field("a", "1") + field("b", "2") + field("c", "3");
  CHECK(parse_ok(kType, three + close(), limits).fields.size() == 3);
  CHECK(parse_error(kType, three + field("d", "4") + close(), limits).find("more than 3 parts") !=
        std::string::npos);
  // The count stops early: a body of thousands of parts is refused without walking them all.
  std::string many;
  for (int i = 0; i < 5000; ++i)
    many += field("f", "v");
  CHECK(parse_error(kType, many + close(), limits).find("more than 3 parts") != std::string::npos);
  const std::string files = file("f", "; filename=\"1\"", "image/jpeg", "1") +
                            file("f", "; filename=\"2\"", "image/jpeg", "2") +
                            file("f", "; filename=\"3\"", "image/jpeg", "3");
  CHECK(parse_error(kType, files + close(), limits).find("more than 2 files") != std::string::npos);
}

TEST_CASE("oversized body and unsupported types") {
  email::FormLimits limits;
  limits.max_total_bytes = 100;
  const std::string body = field("a", std::string(200, 'x')) + close();
  CHECK(parse_error(kType, body, limits).find("larger than 100 bytes") != std::string::npos);
  CHECK(parse_error("application/x-www-form-urlencoded", std::string(101, 'a'), limits)
            .find("larger") != std::string::npos);
  CHECK(parse_error("text/plain", "a=1").find("Content-Type") != std::string::npos);
  CHECK(parse_error("", "a=1").find("Content-Type") != std::string::npos);
}

TEST_CASE("multipart: a nested multipart (RFC 2388 style) is refused with a reason") {
  const std::string inner = "BbC04y";
  const std::string body = "--" + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"files\"\r\n"
                           "Content-Type: multipart/mixed; boundary=" +
                           inner + "\r\n\r\n--" + inner +
                           "\r\nContent-Disposition: file; filename=\"a.txt\"\r\n\r\naaa\r\n--" +
                           inner + "--\r\n" + close();
  CHECK(parse_error(kType, body).find("nests") != std::string::npos);
}
