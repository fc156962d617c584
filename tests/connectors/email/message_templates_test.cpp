// Renders every shipped mail template (etc/templates/{fr,en}) with its documented context, builds
// the message and checks it: all placeholders filled, values escaped, links present, nothing
// remote in the HTML, and a message that Python's email package reads without defects.
#include <doctest/doctest.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include "connectors/email/message_builder.hpp"

using relais::connectors::TemplateSet;
using namespace relais::connectors::email;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Values carry markup and a line break so that escaping shows in the output.
std::map<std::string, json::value> contexts() {
  json::array findings = {
      {{"severity", "bloquant"}, {"message", "Photo floue <img>"}, {"color", "#b91c1c"}},
      {{"severity", "avertissement"}, {"message", "Auteur absent"}, {"color", "#b45309"}}};
  return {
      {"ack",
       {{"reference", "PUB-2026-0042"},
        {"subject", "Fête <des> écoles"},
        {"received_at", "lundi 4 mai 2026 à 10:12"},
        {"text_excerpt", "Les enfants & le maire"},
        {"attachment_count", 2},
        {"attachments", json::array{{{"name", "a.jpg"}, {"content_type", "image/jpeg"}},
                                    {{"name", "b.png"}, {"content_type", "image/png"}}}},
        {"author", ""},
        {"missing", json::array{{{"message", "Le nom de l'auteur des photos"}}}},
        {"findings", findings},
        {"completion_url", "https://relais.example.org/c/tok?x=1&y=2"}}},
      {"refused_sender", {{"subject", "Bonjour"}, {"address", "someone@elsewhere.example"}}},
      {"referent_request",
       {{"reference", "PUB-2026-0042"},
        {"subject", "Fête des écoles"},
        {"sender", "agent@example.org"},
        {"sender_name", "Zoé Agent"},
        {"received_at", "lundi 4 mai 2026 à 10:12"},
        {"text", "Ligne 1\nLigne <2>"},
        {"author", "Studio Photo"},
        {"attachments", json::array{{{"name", "a.jpg"}}}},
        {"findings", findings},
        {"channels", json::array{{{"name", "site"}}, {{"name", "mastodon"}}}},
        {"proposed_time", "mardi 5 mai 2026 à 09:00"},
        {"approve_url", "https://relais.example.org/a/approve?t=1&u=2"},
        {"changes_url", "https://relais.example.org/a/changes?t=1"},
        {"reject_url", "https://relais.example.org/a/reject?t=1"},
        {"open_url", "https://relais.example.org/a/open?t=1"}}},
      {"needs_changes",
       {{"reference", "PUB-2026-0042"},
        {"subject", "Fête"},
        {"findings", findings},
        {"note", "Merci d'ajouter l'autorisation"},
        {"how_to", "Répondez à ce message en joignant les pièces."}}},
      {"scheduled",
       {{"reference", "PUB-2026-0042"},
        {"subject", "Fête"},
        {"scheduled_at", "mardi 5 mai 09:00"},
        {"channels", json::array{{{"name", "site"}}}}}},
      {"published",
       {{"reference", "PUB-2026-0042"},
        {"subject", "Fête"},
        {"posts", json::array{{{"channel", "site"}, {"url", "https://example.org/n/42"}}}}}},
      {"rejected", {{"reference", "PUB-2026-0042"}, {"subject", "Fête"}, {"reason", "Hors sujet"}}},
      {"publish_failed",
       {{"reference", "PUB-2026-0042"},
        {"subject", "Fête"},
        {"channel", "mastodon"},
        {"failed", json::array{{{"channel", "mastodon"}, {"error", "HTTP 500"}}}},
        {"posts", json::array{{{"channel", "site"}, {"url", "https://example.org/n/42"}}}},
        {"retry_url", "https://relais.example.org/a/open?action=retry"},
        {"open_url", "https://relais.example.org/a/open"}}},
      {"credentials_expiring",
       {{"channel", "linkedin"},
        {"type", "linkedin"},
        {"expires_at", "lundi 4 mai 2026 à 10:12"},
        {"days", 7},
        {"expired", false},
        {"soon", false}}},
      {"takedown_ack",
       {{"case_reference", "RET-2026-0007"},
        {"received_at", "lundi 4 mai 2026 à 10:12"},
        {"deadline", "jeudi 4 juin 2026"}}},
  };
}

std::string python_check(const std::string& data) {
  std::string dir = (fs::temp_directory_path() / "relais-tplmail-XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  std::ofstream(dir + "/m.eml", std::ios::binary) << data;
  std::ofstream(dir + "/c.py") << R"PY(
import sys, email
from email import policy
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
d = [type(x).__name__ for p in m.walk() for x in p.defects]
print('defects=%d subject=%s' % (len(d), m['subject']))
)PY";
  std::string out;
  FILE* p = popen(("/usr/bin/python3 " + dir + "/c.py " + dir + "/m.eml").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 1024> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    out.append(buf.data(), n);
  CHECK(pclose(p) == 0);
  fs::remove_all(dir);
  return out;
}

}  // namespace

TEST_CASE("every shipped mail template renders completely in French and English") {
  auto set = TemplateSet::load(fs::path(RELAIS_SOURCE_DIR) / "etc" / "templates");
  REQUIRE_MESSAGE(set.ok(), (set.ok() ? "" : set.error().message));
  for (const std::string lang : {"fr", "en"}) {
    for (const auto& [name, ctx] : contexts()) {
      CAPTURE(lang);
      CAPTURE(name);
      REQUIRE(set->has(lang, name + ".txt"));
      MailParts p;
      p.from = "publications@example.org";
      p.from_name = "relais — publications";
      p.to = {"someone@example.org"};
      p.message_id = make_message_id(lang + name, "example.org");
      auto r = render_mail(*set, lang, name, ctx, p);
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
      CHECK_FALSE(p.subject.empty());
      for (const std::string* part : {&p.subject, &p.text, &p.html}) {
        CHECK(part->find("{{") == std::string::npos);
        CHECK(part->find("}}") == std::string::npos);
      }
      CHECK(p.text.find("relais — publications") != std::string::npos);
      CHECK(p.text.find("\n\n\n\n") == std::string::npos);
      if (!p.html.empty()) {
        CHECK(p.html.find("<html lang=\"" + lang + "\">") != std::string::npos);
        CHECK(p.html.find("src=") == std::string::npos);  // nothing remote
        CHECK(p.html.find("url(") == std::string::npos);
        CHECK(p.html.find("<img>") == std::string::npos);  // values are escaped
        CHECK(p.html.find("relais — publications") != std::string::npos);
      }
      auto mail = build_message(p);
      REQUIRE_MESSAGE(mail.ok(), (mail.ok() ? "" : mail.error().message));
      CHECK(python_check(mail->data).find("defects=0 subject=") == 0);
    }
  }
}

TEST_CASE("the referent's request has the four actions as buttons and as text links") {
  auto set = TemplateSet::load(fs::path(RELAIS_SOURCE_DIR) / "etc" / "templates");
  REQUIRE(set.ok());
  auto ctx = contexts().at("referent_request");
  MailParts p;
  REQUIRE(render_mail(*set, "fr", "referent_request", ctx, p).ok());
  CHECK(p.subject == "[PUB-2026-0042] À valider : Fête des écoles");
  for (const char* url : {"approve_url", "changes_url", "reject_url", "open_url"}) {
    std::string value(ctx.at(url).as_string());
    CHECK(p.text.find(value) != std::string::npos);
    std::string escaped = value;
    for (std::size_t pos = 0; (pos = escaped.find('&', pos)) != std::string::npos; pos += 5) {
      escaped.replace(pos, 1, "&amp;");
    }
    CHECK(p.html.find("<a href=\"" + escaped + "\"") != std::string::npos);
  }
  for (const char* label :
       {">Approuver</a>", ">Demander des modifications</a>", ">Refuser</a>", ">Ouvrir</a>"}) {
    CHECK(p.html.find(label) != std::string::npos);
  }
  CHECK(p.text.find("page de confirmation") != std::string::npos);
  CHECK(p.html.find("page de confirmation") != std::string::npos);
  CHECK(p.html.find("border-left:6px solid #b91c1c") != std::string::npos);
  CHECK(p.html.find("Ligne 1\nLigne &lt;2&gt;") != std::string::npos);
  CHECK(p.text.find("Ligne 1\nLigne <2>") != std::string::npos);
  CHECK(p.text.find("Envoyée par : Zoé Agent <agent@example.org>") != std::string::npos);

  REQUIRE(render_mail(*set, "en", "referent_request", ctx, p).ok());
  for (const char* label : {">Approve</a>", ">Request changes</a>", ">Reject</a>", ">Open</a>"}) {
    CHECK(p.html.find(label) != std::string::npos);
  }
}

TEST_CASE("the acknowledgement says what is missing, or that nothing is") {
  auto set = TemplateSet::load(fs::path(RELAIS_SOURCE_DIR) / "etc" / "templates");
  REQUIRE(set.ok());
  json::value ctx = contexts().at("ack");
  MailParts p;
  REQUIRE(render_mail(*set, "fr", "ack", ctx, p).ok());
  CHECK(p.text.find("Ce qu'il manque") != std::string::npos);
  CHECK(p.text.find("  - Le nom de l'auteur des photos\n") != std::string::npos);
  CHECK(p.text.find("https://relais.example.org/c/tok?x=1&y=2") != std::string::npos);
  CHECK(p.text.find("Auteur des photos ou vidéos : non indiqué") != std::string::npos);

  ctx.as_object()["missing"] = json::array{};
  ctx.as_object()["findings"] = json::array{};
  ctx.as_object()["completion_url"] = "";
  REQUIRE(render_mail(*set, "fr", "ack", ctx, p).ok());
  CHECK(p.text.find("Ce qu'il manque") == std::string::npos);
  CHECK(p.text.find("Points relevés") == std::string::npos);
  CHECK(p.text.find("Votre demande est complète") != std::string::npos);
  CHECK(p.html.find("Ce qu'il manque") == std::string::npos);
  CHECK(p.html.find("<ul") != std::string::npos);  // the attachments list is still there
}
