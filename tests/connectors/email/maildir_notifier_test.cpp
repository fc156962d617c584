// Tests of MaildirNotifier: layout, names, content, idempotency and failures. Delivered files are
// read back with /usr/bin/python3's mailbox.Maildir, as a mail reader would.
#include "connectors/email/maildir_notifier.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "connectors/email/message_builder.hpp"

using relais::ErrorKind;
using relais::connectors::OutgoingMail;
using namespace relais::connectors::email;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "relais-maildir-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
};

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::exists(dir)) {
    for (const auto& e : fs::directory_iterator(dir))
      out.push_back(e.path());
  }
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

OutgoingMail sample(const std::string& id = "relais.1@example.org") {
  MailParts p;
  p.from = "publications@example.org";
  p.from_name = "relais — publications";
  p.to = {"agent@example.org", "referent@example.org"};
  p.subject = "Accusé de réception PUB-2026-0042";
  p.text = "Bonjour,\n.line with a dot\n";
  p.html = "<p>Bonjour</p>";
  p.message_id = id;
  auto mail = build_message(p);
  REQUIRE(mail.ok());
  return *mail;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    out.append(buf.data(), n);
  REQUIRE(pclose(p) == 0);
  return out;
}

}  // namespace

TEST_CASE("open creates the Maildir and send delivers one readable file into new/") {
  TempDir tmp;
  fs::path box = tmp.path / "var" / "outbox";
  fs::create_directories(tmp.path / "var");
  auto notifier = MaildirNotifier::open(box);
  REQUIRE(notifier.ok());
  for (const char* sub : {"tmp", "new", "cur"})
    CHECK(fs::is_directory(box / sub));

  OutgoingMail mail = sample();
  REQUIRE((*notifier)->send(mail).ok());
  auto delivered = files_in(box / "new");
  REQUIRE(delivered.size() == 1);
  CHECK(files_in(box / "tmp").empty());
  std::string name = delivered[0].filename().string();
  CHECK(
      std::regex_match(name, std::regex("[0-9]+\\.M[0-9]+P[0-9]+Q[0-9]+\\.[^/:]+,H=[0-9a-f]{32}")));
  CHECK(name.find(MaildirNotifier::message_id_tag(mail.message_id)) != std::string::npos);
  CHECK((fs::status(delivered[0]).permissions() & fs::perms::others_read) == fs::perms::none);

  std::string content = read(delivered[0]);
  CHECK(content.find("Return-Path: <publications@example.org>\n"
                     "Delivered-To: agent@example.org\n"
                     "Delivered-To: referent@example.org\n"
                     "X-Relais-Envelope-To: agent@example.org,\n referent@example.org\n"
                     "Date: ") == 0);
  CHECK(content.find('\r') == std::string::npos);

  std::string script = (tmp.path / "read.py").string();
  std::ofstream(script) << R"PY(
import sys, json, mailbox
from email import policy
box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
out = []
for key, msg in box.items():
    m = mailbox.MaildirMessage(msg)
    import email
    e = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
    out.append({'subject': str(e['subject']), 'id': str(e['message-id']),
                'to': str(e['x-relais-envelope-to']),
                'text': e.get_body(('plain',)).get_content().replace('\r\n', '\n')})
print(json.dumps(out))
)PY";
  auto parsed = json::parse(run("/usr/bin/python3 " + script + " " + box.string())).as_array();
  REQUIRE(parsed.size() == 1);
  CHECK(parsed[0].at("subject").as_string() == "Accusé de réception PUB-2026-0042");
  CHECK(parsed[0].at("id").as_string() == "<relais.1@example.org>");
  CHECK(parsed[0].at("to").as_string() == "agent@example.org, referent@example.org");
  CHECK(parsed[0].at("text").as_string() == "Bonjour,\n.line with a dot\n");
}

TEST_CASE("the same Message-ID is delivered once, also after a reader moved it to cur/") {
  TempDir tmp;
  MaildirNotifier notifier(tmp.path / "box");  // directories made on first send
  OutgoingMail mail = sample();
  REQUIRE(notifier.send(mail).ok());
  REQUIRE(notifier.send(mail).ok());
  REQUIRE(files_in(tmp.path / "box" / "new").size() == 1);
  CHECK(notifier.delivered(mail.message_id));
  CHECK_FALSE(notifier.delivered("other@example.org"));

  fs::path first = files_in(tmp.path / "box" / "new")[0];
  fs::rename(first, tmp.path / "box" / "cur" / (first.filename().string() + ":2,S"));
  REQUIRE(notifier.send(mail).ok());
  CHECK(files_in(tmp.path / "box" / "new").empty());
  CHECK(files_in(tmp.path / "box" / "cur").size() == 1);

  // Another id is another file; a new notifier (a restart) still sees what was delivered.
  REQUIRE(notifier.send(sample("relais.2@example.org")).ok());
  CHECK(files_in(tmp.path / "box" / "new").size() == 1);
  MaildirNotifier after_restart(tmp.path / "box");
  REQUIRE(after_restart.send(mail).ok());
  REQUIRE(after_restart.send(sample("relais.2@example.org")).ok());
  CHECK(files_in(tmp.path / "box" / "new").size() == 1);
  CHECK(files_in(tmp.path / "box" / "cur").size() == 1);
}

TEST_CASE("a tag is matched whole, not as a prefix of another name") {
  TempDir tmp;
  MaildirNotifier notifier(tmp.path);
  REQUIRE(notifier.send(sample()).ok());
  std::string tag = MaildirNotifier::message_id_tag("relais.1@example.org");
  fs::create_directories(tmp.path / "cur");
  // A foreign file whose name merely contains the tag followed by other characters.
  std::ofstream(tmp.path / "cur" / ("x" + tag + "zz")) << "x";
  CHECK(notifier.delivered("relais.1@example.org"));
  fs::remove_all(tmp.path / "new");
  CHECK_FALSE(notifier.delivered("relais.1@example.org"));
}

TEST_CASE("concurrent sends of one message write one file") {
  TempDir tmp;
  MaildirNotifier notifier(tmp.path);
  OutgoingMail mail = sample();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { CHECK(notifier.send(mail).ok()); });
  }
  for (auto& t : threads)
    t.join();
  CHECK(files_in(tmp.path / "new").size() == 1);
}

TEST_CASE("malformed mails are refused as invalid input and write nothing") {
  TempDir tmp;
  MaildirNotifier notifier(tmp.path);
  auto refused = [&](auto change) {
    OutgoingMail mail = sample();
    change(mail);
    auto r = notifier.send(mail);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    return r.error().message;
  };
  CHECK(refused([](OutgoingMail& m) { m.message_id.clear(); }) ==
        "the mail has no usable Message-ID");
  CHECK(refused([](OutgoingMail& m) { m.message_id = "a@b\nX: y"; }) ==
        "the mail has no usable Message-ID");
  CHECK(refused([](OutgoingMail& m) { m.recipients.clear(); }) == "the mail has no recipient");
  CHECK(refused([](OutgoingMail& m) { m.recipients.push_back("x@y.org\r\nBcc: z@w.org"); }) ==
        "a recipient address is empty or contains a line break");
  CHECK(refused([](OutgoingMail& m) { m.recipients.push_back(""); }) ==
        "a recipient address is empty or contains a line break");
  CHECK(refused([](OutgoingMail& m) { m.envelope_from = "a@b\n"; }) ==
        "the envelope sender contains a line break");
  CHECK(refused([](OutgoingMail& m) { m.data.clear(); }) == "the mail has no content");
  CHECK(files_in(tmp.path / "new").empty());
}

TEST_CASE("the null sender is written as an empty Return-Path") {
  TempDir tmp;
  MaildirNotifier notifier(tmp.path);
  OutgoingMail mail = sample();
  mail.envelope_from.clear();
  REQUIRE(notifier.send(mail).ok());
  CHECK(read(files_in(tmp.path / "new")[0]).find("Return-Path: <>\n") == 0);
}

TEST_CASE("disk errors are transient and leave no file in tmp/") {
  TempDir tmp;
  // A regular file where the Maildir should be.
  std::ofstream(tmp.path / "file") << "x";
  auto bad = MaildirNotifier::open(tmp.path / "file" / "box");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::transient);
  CHECK(bad.error().message.find("the outbox Maildir could not be written (mkdir") == 0);

  // new/ is a file: the rename fails after the write, and the tmp/ file is removed.
  fs::create_directories(tmp.path / "box" / "tmp");
  fs::create_directories(tmp.path / "box" / "cur");
  std::ofstream(tmp.path / "box" / "new") << "not a directory";
  MaildirNotifier notifier(tmp.path / "box");
  auto r = notifier.send(sample());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::transient);
  CHECK(r.error().message ==
        "the outbox Maildir could not be written (rename into new/: Not a directory)");
  CHECK(files_in(tmp.path / "box" / "tmp").empty());
}
