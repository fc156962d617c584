// Unit tests of the decoding helpers behind parse_mail: RFC 2047 words (GMime issue 133), tolerant
// base64 (GMime issue 150), RFC 2231 parameters, filename sanitising, HTML to text, charsets.
#include <doctest/doctest.h>

#include "connectors/email/mime_charset.hpp"
#include "connectors/email/mime_filename.hpp"
#include "connectors/email/mime_html_text.hpp"
#include "connectors/email/mime_params.hpp"
#include "connectors/email/mime_reader.hpp"
#include "connectors/email/mime_transfer_decoding.hpp"

namespace email = relais::connectors::email;

TEST_CASE("decode_header_words: adjacent encoded-words (GMime issue 133)") {
  CHECK(email::decode_header_words("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=") == "Hello world");
  CHECK(email::decode_header_words("=?utf-8?q?caf=C3=A9?=\r\n =?utf-8?q?_cr=C3=A8me?=") ==
        "café crème");
  // A character split across two words is joined before conversion.
  CHECK(email::decode_header_words("=?UTF-8?B?8J+O?= =?UTF-8?B?iQ==?=") == "\xF0\x9F\x8E\x89");
  // Different charsets, adjacent: whitespace between words is still dropped.
  CHECK(email::decode_header_words("=?UTF-8?B?w6k=?= =?ISO-8859-1?Q?_=E0?=") == "é à");
}

TEST_CASE("decode_header_words: text around words, folding, malformed words") {
  CHECK(email::decode_header_words("Re: =?iso-8859-1?q?f=EAte?= du village") ==
        "Re: fête du village");
  CHECK(email::decode_header_words("plain\r\n folded") == "plain folded");
  CHECK(email::decode_header_words("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");
  CHECK(email::decode_header_words("=?utf-8?q?unterminated") == "=?utf-8?q?unterminated");
  CHECK(email::decode_header_words("=??q?x?=") == "=??q?x?=");
  CHECK(email::decode_header_words("") == "");
  // RFC 2231 language suffix in the charset.
  CHECK(email::decode_header_words("=?UTF-8*fr?Q?=C3=A9t=C3=A9?=") == "été");
  // Unknown charset: bytes are kept if valid UTF-8, else read as Windows-1252.
  CHECK(email::decode_header_words("=?x-unknown?Q?=E9t=E9?=") == "été");
  // Encoded control characters cannot inject lines.
  CHECK(email::decode_header_words("=?utf-8?q?a=0D=0AX-Evil:_1?=") == "a  X-Evil: 1");
  // Raw 8-bit Latin-1 in a header becomes UTF-8.
  CHECK(email::decode_header_words("f\xEAte") == "fête");
}

TEST_CASE("decode_base64_tolerant: padding mid-line and concatenated chunks (GMime issue 150)") {
  CHECK(email::decode_base64_tolerant("SGVsbG8=IHdvcmxk") == "Hello world");
  CHECK(email::decode_base64_tolerant("SGVs\r\nbG8=\r\nIHdv\r\ncmxk") == "Hello world");
  CHECK(email::decode_base64_tolerant("YQ==Yg==Yw==") == "abc");
  CHECK(email::decode_base64_tolerant("SGVsbG8") == "Hello");  // missing padding
  CHECK(email::decode_base64_tolerant("S") == "");             // a lone sextet carries nothing
  CHECK(email::decode_base64_tolerant("SG!V*s bG8=") == "Hello");
  CHECK(email::decode_base64_tolerant("") == "");
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  // "AAECAwQF..." of all byte values, as produced by `base64`, split over lines.
  const std::string encoded =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\n"
      "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx\n"
      "cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq\n"
      "q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj\n"
      "5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==\n";
  CHECK(email::decode_base64_tolerant(encoded) == all);
}

TEST_CASE("decode_q_word") {
  CHECK(email::decode_q_word("a_b=3Dc") == "a b=c");
  CHECK(email::decode_q_word("bad=Z1") == "bad=Z1");
  CHECK(email::decode_q_word("end=") == "end=");
  CHECK(email::decode_q_word("end=4") == "end=4");
}

TEST_CASE("parse_header_params") {
  auto p = email::parse_header_params("Image/JPEG; name=\"a \\\"b\\\".jpg\"; x=1");
  CHECK(p.value == "image/jpeg");
  CHECK(p.params["name"] == "a \"b\".jpg");
  CHECK(p.params["x"] == "1");

  p = email::parse_header_params("attachment; filename*=utf-8''%C3%A9t%C3%A9%202026.jpg");
  CHECK(p.params["filename"] == "été 2026.jpg");

  p = email::parse_header_params(
      "attachment;\r\n filename*0*=iso-8859-1'fr'f%EAte;\r\n filename*1=\"_x\"; filename*2=.png");
  CHECK(p.params["filename"] == "fête_x.png");

  // The extended form wins over the plain one, whatever the order.
  p = email::parse_header_params("attachment; filename*=utf-8''new.jpg; filename=old.jpg");
  CHECK(p.params["filename"] == "new.jpg");

  p = email::parse_header_params("attachment; filename=\"=?UTF-8?B?w6k=?= =?UTF-8?B?dMOp?=\"");
  CHECK(p.params["filename"] == "été");

  // Garbage is skipped, not fatal.
  p = email::parse_header_params("text/plain; ; =x; noequals; charset=\"unterminated");
  CHECK(p.value == "text/plain");
  CHECK(p.params["charset"] == "unterminated");
  p = email::parse_header_params("attachment; filename*99999*=x; filename*a=y");
  CHECK(p.params.count("filename") == 0);
  CHECK(email::parse_header_params("").value.empty());
}

TEST_CASE("sanitize_filename") {
  CHECK(email::sanitize_filename("") == "");
  CHECK(email::sanitize_filename("photo.jpg") == "photo.jpg");
  CHECK(email::sanitize_filename("../../etc/passwd") == "_.._etc_passwd");
  CHECK(email::sanitize_filename("..\\..\\win.ini") == "_.._win.ini");
  CHECK(email::sanitize_filename(".hidden") == "hidden");
  CHECK(email::sanitize_filename("...") == "attachment");
  CHECK(email::sanitize_filename("a\r\nb\tc\x7f.jpg") == "abc.jpg");
  CHECK(email::sanitize_filename("evil\xE2\x80\xAEgpj.exe") == "evilgpj.exe");  // RLO removed
  CHECK(email::sanitize_filename("bad\xFF.png") == "bad\xEF\xBF\xBD.png");
  const std::string long_name = std::string(300, 'a') + ".jpeg";
  const std::string cut = email::sanitize_filename(long_name);
  CHECK(cut.size() == email::kMaxFilenameBytes);
  CHECK(cut.ends_with(".jpeg"));
  std::string accents;
  for (int i = 0; i < 150; ++i) {
    accents += "\xC3\xA9";  // é, 2 bytes: a cut must not split it
  }
  const std::string cut2 = email::sanitize_filename(accents);
  CHECK(cut2.size() <= email::kMaxFilenameBytes);
  CHECK(cut2.size() % 2 == 0);
}

TEST_CASE("html_to_text") {
  CHECK(email::html_to_text("<p>Bonjour&nbsp;&eacute;quipe,</p><p>A<br>B &amp; C</p>") ==
        "Bonjour équipe,\n\nA\nB & C");
  CHECK(email::html_to_text("<style>p{}</style><script>alert(1)</script>Hi") == "Hi");
  CHECK(email::html_to_text("<SCRIPT>x</SCRIPT >ok") == "ok");
  CHECK(email::html_to_text("&#233;&#xE9;&#x1F389;&unknown;") == "éé\xF0\x9F\x8E\x89&unknown;");
  CHECK(email::html_to_text("<ul><li>one</li><li>two</li></ul>") == "- one\n- two");
  CHECK(email::html_to_text("a <!-- hidden --> b") == "a b");
  CHECK(email::html_to_text("cut <a href=") == "cut");
  CHECK(email::html_to_text("<script>never closed") == "");
  CHECK(email::html_to_text("&#0;&#xD800;") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(email::html_to_text("") == "");
}

TEST_CASE("to_utf8") {
  CHECK(email::to_utf8("f\xEAte", "iso-8859-1") == "fête");
  CHECK(email::to_utf8("f\xEAte", "latin1") == "fête");
  CHECK(email::to_utf8("\x80", "windows-1252") == "€");
  CHECK(email::to_utf8("fête", "utf-8") == "fête");
  CHECK(email::to_utf8("f\xEAte", "utf-8") == "fête");         // invalid UTF-8: Windows-1252
  CHECK(email::to_utf8("fête", "no-such-charset") == "fête");  // unknown charset, valid bytes
  CHECK(email::to_utf8("\xD4\xC5\xD3\xD4", "koi8-r") == "тест");
}
