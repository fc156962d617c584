// The public takedown form through the daemon's router, over real parts (SQLite file, blob
// store, templates, the takedown desk, the worker pool and the writer) in a temporary
// directory: the page, a valid form opening a case, the honeypot, errors shown again with the
// values kept and escaped, a form sent too fast, the rate limits, and the confirmation link.
// Also the pure parts: the signed stamp, the address check and the rate-limit network.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/email/maildir_notifier.hpp"
#include "daemon/policy_from_config.hpp"
#include "daemon/routes.hpp"
#include "daemon/takedown_form.hpp"
#include "workflow/address.hpp"
#include "workflow/approval_token.hpp"

using namespace relais;
using namespace relais::daemon;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
const workflow::TimePoint kT0 = workflow::TimePoint(1'790'000'000'000ms);

workflow::TimePoint now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(workflow::Clock::now());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A daemon's shared parts over a temporary state directory, and its router.
struct Daemon {
  fs::path dir;
  Config cfg;
  std::unique_ptr<Writer> writer;
  std::unique_ptr<Readers> readers;
  asio::thread_pool pool{2};
  std::unique_ptr<workflow::Engine> engine;
  std::unique_ptr<workflow::CaseDesk> cases;
  std::unique_ptr<connectors::TemplateSet> templates;
  std::unique_ptr<connectors::email::MaildirNotifier> notifier;
  std::map<std::string, std::unique_ptr<connectors::Publisher>> publishers;
  Metrics metrics;
  CheckSetup checks;
  std::unique_ptr<Services> services;
  std::unique_ptr<ApprovalPages> pages;
  Router router;

  explicit Daemon(int per_day = 5) {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("relais-form-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto loaded = load_config_string(embedded_default_config(), embedded_default_name);
    REQUIRE(std::holds_alternative<Config>(loaded));
    cfg = std::get<Config>(std::move(loaded));
    cfg.general.state_dir = dir.string();
    cfg.general.language = "fr";
    cfg.general.templates_dir = std::string(RELAIS_SOURCE_DIR) + "/etc/templates";
    cfg.takedown.form_requests_per_day = per_day;
    cfg.takedown.max_attachments = 3;
    writer = std::make_unique<Writer>(dir / "relais.db");
    readers = std::make_unique<Readers>(dir / "relais.db");
    engine = std::make_unique<workflow::Engine>(make_policy(cfg));
    cases = std::make_unique<workflow::CaseDesk>(*engine, make_case_settings(cfg));
    auto t = connectors::TemplateSet::load(cfg.general.templates_dir);
    REQUIRE(t.ok());
    templates = std::make_unique<connectors::TemplateSet>(std::move(*t));
    auto n = connectors::email::MaildirNotifier::open(dir / "outbox");
    REQUIRE(n.ok());
    notifier = std::move(*n);
    services.reset(new Services{cfg,
                                *writer,
                                *readers,
                                pool,
                                *engine,
                                *cases,
                                *templates,
                                workflow::BlobStore(dir / "messages"),
                                workflow::BlobStore(dir / "media"),
                                *notifier,
                                publishers,
                                metrics,
                                kKey,
                                {},
                                {},
                                checks,
                                {}});
    pages = std::make_unique<ApprovalPages>(*services);
    router = make_router(*services, *pages, dir / "site");
  }
  ~Daemon() {
    pool.join();
    writer->stop();
    fs::remove_all(dir);
  }

  HttpResponse call(HttpRequest req, const std::string& peer_address = "192.0.2.7") {
    asio::io_context io;
    const HttpPeer peer{peer_address};
    std::optional<HttpResponse> out;
    asio::co_spawn(io, router(std::move(req), peer), [&](std::exception_ptr e, HttpResponse r) {
      REQUIRE_FALSE(e);
      out = std::move(r);
    });
    io.run();
    REQUIRE(out);
    return std::move(*out);
  }

  HttpResponse get(const std::string& target) {
    return call(HttpRequest{http::verb::get, target, 11});
  }

  HttpResponse post(const std::string& target, const std::string& type, std::string body,
                    const std::string& peer = "192.0.2.7") {
    HttpRequest req{http::verb::post, target, 11};
    req.set(http::field::content_type, type);
    req.body() = std::move(body);
    req.prepare_payload();
    return call(std::move(req), peer);
  }

  template <class F>
  auto with_store(F f) {
    return writer->run_sync(f);
  }
  std::int64_t count(const std::string& sql) {
    auto job = [&](workflow::Store& s) {
      auto st = s.db().prepare(sql);
      st.step();
      return st.int64(0);
    };
    return with_store(job);
  }
};

struct File {
  std::string name, type, data;
};

const std::string kBoundary = "----relaisTestBoundary42";
const std::string kMultipart = "multipart/form-data; boundary=" + kBoundary;

std::string multipart(const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::vector<File>& files = {}) {
  std::string out;
  for (const auto& [name, value] : fields) {
    out += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
           value + "\r\n";
  }
  for (const auto& f : files) {
    out += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" +
           f.name + "\"\r\nContent-Type: " + f.type + "\r\n\r\n" + f.data + "\r\n";
  }
  return out + "--" + kBoundary + "--\r\n";
}

// A form as a person sends it: the stamp of a page served ten seconds ago.
std::vector<std::pair<std::string, std::string>> person(const std::string& email,
                                                        const std::string& description) {
  return {{"stamp", form_stamp(kKey, now() - 10s)},
          {"name", "Jeanne Martin"},
          {"email", email},
          {"description", description},
          {"urls", "https://example.org/actualites/fete\r\n\r\n"},
          {"website", ""}};
}

std::string location(const HttpResponse& r) {
  return std::string(r[http::field::location]);
}

bool has(const HttpResponse& r, std::string_view text) {
  return r.body().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("the stamp: signed, neither too fresh nor too old") {
  const auto stamp = form_stamp(kKey, kT0);
  CHECK_FALSE(check_form_stamp(kKey, stamp, kT0 + 2s));
  CHECK_FALSE(check_form_stamp(kKey, stamp, kT0 + 24h));
  CHECK(check_form_stamp(kKey, stamp, kT0 + 1999ms) == StampProblem::too_fresh);
  CHECK(check_form_stamp(kKey, stamp, kT0) == StampProblem::too_fresh);
  CHECK(check_form_stamp(kKey, stamp, kT0 + 24h + 1ms) == StampProblem::too_old);
  CHECK(check_form_stamp("another key of sixteen+", stamp, kT0 + 5s) == StampProblem::invalid);
  // The time cannot be moved without the key.
  const auto later = form_stamp(kKey, kT0 + 1h);
  const auto forged = later.substr(0, later.find('.')) + stamp.substr(stamp.find('.'));
  CHECK(check_form_stamp(kKey, forged, kT0 + 2h) == StampProblem::invalid);
  for (const char* bad :
       {"", ".", "abc", "123", "123.", ".abc", "-5.00", "1e3.ab", "99999999999999999999.00"}) {
    CAPTURE(bad);
    CHECK(check_form_stamp(kKey, bad, kT0) == StampProblem::invalid);
  }
}

TEST_CASE("plausible_address accepts one addr-spec and nothing else") {
  for (const char* good : {"a@b.fr", "jeanne.martin+photo@mairie.example.org", "o'neil@x.ie",
                           "élodie@exemple.fr", "x@xn--bcher-kva.de", "a_b-c@d-e.f-g.org"}) {
    CAPTURE(good);
    CHECK(workflow::plausible_address(good));
  }
  for (const char* bad : {"",
                          "a",
                          "a@",
                          "@b.fr",
                          "a@b",
                          "a b@c.fr",
                          "a@b .fr",
                          "a@@b.fr",
                          "a@b..fr",
                          ".a@b.fr",
                          "a.@b.fr",
                          "a..b@c.fr",
                          "a@-b.fr",
                          "a@b-.fr",
                          "a@b.fr,c@d.fr",
                          "A <a@b.fr>",
                          "a@b.fr\r\nBcc: c@d.fr",
                          "\"a\"@b.fr",
                          "a@[192.0.2.1]",
                          "a@b.fr.",
                          "a@.b.fr"}) {
    CAPTURE(bad);
    CHECK_FALSE(workflow::plausible_address(bad));
  }
  CHECK_FALSE(workflow::plausible_address(std::string(65, 'a') + "@b.fr"));
  CHECK_FALSE(workflow::plausible_address("a@" + std::string(250, 'b') + ".fr"));
}

TEST_CASE("rate_network: IPv4 as it is, IPv6 by its /64") {
  CHECK(rate_network("192.0.2.7") == "192.0.2.7");
  CHECK(rate_network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
  CHECK(rate_network("2001:db8:1:2:ffff::1") == rate_network("2001:db8:1:2::9"));
  CHECK(rate_network("2001:db8:1:3::9") != rate_network("2001:db8:1:2::9"));
  CHECK(rate_network("") == "");
  CHECK(rate_network("not an address") == "not an address");
}

TEST_CASE("GET /takedown: an accessible page in the configured language, or the one asked") {
  Daemon d;
  const auto fr = d.get("/takedown");
  CHECK(fr.result() == http::status::ok);
  const std::string& page = fr.body();
  CHECK(has(fr, "<html lang=\"fr\">"));
  CHECK(has(fr, "<label for=\"email\">"));
  CHECK(has(fr, "id=\"email\" name=\"email\""));
  CHECK(has(fr, "(obligatoire)"));
  CHECK(has(fr, "<fieldset>"));
  CHECK(has(fr, "<legend>"));
  CHECK(has(fr, "enctype=\"multipart/form-data\""));
  CHECK(has(fr, "accept=\"image/*\" multiple"));
  CHECK(has(fr, "name=\"website\""));
  CHECK(has(fr, "tabindex=\"-1\""));
  CHECK(has(fr, "aria-hidden=\"true\""));
  CHECK(has(fr, "name=\"stamp\" value=\""));
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("error-summary\"") == std::string::npos);
  CHECK(std::string(fr["Content-Security-Policy"]).find("default-src 'none'") != std::string::npos);
  const auto en = d.get("/takedown?lang=en");
  CHECK(has(en, "<html lang=\"en\">"));
  CHECK(has(en, "(required)"));
  CHECK(d.get("/takedown?lang=xx").body().find("<html lang=\"fr\">") != std::string::npos);
  CHECK(d.call(HttpRequest{http::verb::put, "/takedown", 11}).result() ==
        http::status::method_not_allowed);
  CHECK(d.get("/takedown/other").result() == http::status::not_found);
}

TEST_CASE("POST /takedown: a valid form opens a case, stores the files and redirects") {
  Daemon d;
  const std::string photo =
      read_file(std::string(RELAIS_SOURCE_DIR) + "/tests/data/mail/photo.jpg");
  const auto r = d.post(
      "/takedown", kMultipart,
      multipart(person("Jeanne.Martin@Example.org", "La photo de la fête, je suis à gauche."),
                {{"moi.jpg", "image/jpeg", photo},
                 {"lettre.pdf", "application/pdf", "%PDF-1.4 not really"},
                 {"faux.jpg", "image/jpeg", "not a jpeg at all"}}));
  REQUIRE(r.result() == http::status::see_other);
  const auto loc = location(r);
  CHECK(loc.starts_with("/takedown/received?ref=DI-"));
  CHECK(loc.find("lang=fr") != std::string::npos);
  CHECK(loc.find("confirm=1") != std::string::npos);  // nothing certain: the address first

  auto job = [](workflow::Store& s) { return s.list_cases(std::nullopt, 10); };
  const auto cases = d.with_store(job);
  REQUIRE(cases.size() == 1);
  const auto& c = cases[0];
  CHECK(loc.find(c.reference) != std::string::npos);
  CHECK(c.origin == "form");
  CHECK(c.requester == "jeanne.martin@example.org");
  CHECK(c.requester_name == "Jeanne Martin");
  CHECK_FALSE(c.email_confirmed);
  CHECK(c.text.find("je suis à gauche") != std::string::npos);
  CHECK(c.text.find("https://example.org/actualites/fete") != std::string::npos);
  CHECK(c.language == "fr");
  auto evidence_job = [&](workflow::Store& s) { return s.case_evidence(c.id); };
  const auto evidence = d.with_store(evidence_job);
  REQUIRE(evidence.size() == 3);
  CHECK(evidence[0].filename == "moi.jpg");
  CHECK(evidence[0].hashes.has_value());
  CHECK_FALSE(evidence[1].hashes.has_value());  // not an image: kept, not hashed
  CHECK(evidence[2].content_type == "image/jpeg");
  CHECK_FALSE(evidence[2].hashes.has_value());  // claims to be an image: kept all the same
  for (const auto& e : evidence)
    CHECK(d.services->media.get(e.sha256).ok());
  CHECK(d.count("SELECT count(*) FROM form_hits") == 2);
  CHECK(d.count("SELECT count(*) FROM form_hits WHERE key LIKE '%example%' OR key LIKE "
                "'%192.0.2%'") == 0);  // no address in the table

  const auto done = d.get(loc);
  CHECK(done.result() == http::status::ok);
  CHECK(has(done, c.reference));
  CHECK(has(done, "courriel avec un lien"));
}

TEST_CASE("POST /takedown: urlencoded without files works too; the description may be a URL") {
  Daemon d;
  auto fields = person("a@b.fr", "");
  std::string body;
  for (const auto& [k, v] : fields) {
    std::string enc;
    for (char ch : v) {
      if (std::isalnum(static_cast<unsigned char>(ch)))
        enc += ch;
      else
        enc += fmt::format("%{:02X}", static_cast<unsigned char>(ch));
    }
    body += (body.empty() ? "" : "&") + k + "=" + enc;
  }
  const auto r = d.post("/takedown?lang=en", "application/x-www-form-urlencoded", body);
  CHECK(r.result() == http::status::see_other);
  CHECK(location(r).find("lang=en") != std::string::npos);
  CHECK(d.count("SELECT count(*) FROM takedown_cases WHERE language = 'en'") == 1);
}

TEST_CASE("the honeypot: the same answer as a person gets, nothing created") {
  Daemon d;
  auto fields = person("bot@spam.example", "buy now");
  fields.back().second = "https://spam.example";
  const auto r = d.post("/takedown", kMultipart, multipart(fields));
  CHECK(r.result() == http::status::see_other);
  CHECK(location(r).starts_with("/takedown/received"));
  CHECK(d.count("SELECT count(*) FROM takedown_cases") == 0);
  CHECK(d.count("SELECT count(*) FROM form_hits") == 0);
  CHECK(d.count("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("errors: the form again, 400, a summary linking to the fields, values kept escaped") {
  Daemon d;
  auto fields = person("pas une adresse", "<script>alert(1)</script> & \"moi\"");
  const auto r = d.post("/takedown", kMultipart, multipart(fields, {{"a.jpg", "image/jpeg", "x"}}));
  CHECK(r.result() == http::status::bad_request);
  CHECK(has(r, "error-summary"));
  CHECK(has(r, "<title>Erreur : "));
  CHECK(has(r, "href=\"#email\""));
  CHECK(has(r, "aria-invalid=\"true\""));
  CHECK(has(r, "value=\"pas une adresse\""));
  CHECK(has(r, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;moi&quot;"));
  CHECK(r.body().find("<script>") == std::string::npos);
  CHECK(has(r, "choisissez-les de nouveau"));  // the file input cannot be kept
  CHECK(d.count("SELECT count(*) FROM takedown_cases") == 0);

  fields = person("", "");
  fields[4].second = "";  // no URL either
  const auto empty = d.post("/takedown", kMultipart, multipart(fields));
  CHECK(empty.result() == http::status::bad_request);
  CHECK(has(empty, "href=\"#description\""));
  CHECK(has(empty, "Indiquez votre adresse électronique"));

  const auto many = d.post("/takedown", kMultipart,
                           multipart(person("a@b.fr", "x"), {{"1.jpg", "image/jpeg", "1"},
                                                             {"2.jpg", "image/jpeg", "2"},
                                                             {"3.jpg", "image/jpeg", "3"},
                                                             {"4.jpg", "image/jpeg", "4"}}));
  CHECK(many.result() == http::status::bad_request);
  CHECK(has(many, "au plus 3 fichiers"));

  const auto broken = d.post("/takedown", "multipart/form-data", "garbage");
  CHECK(broken.result() == http::status::bad_request);
  CHECK(has(broken, "n'a pas pu être lu"));
  CHECK(d.count("SELECT count(*) FROM takedown_cases") == 0);
  CHECK(d.count("SELECT count(*) FROM form_hits") == 0);
}

TEST_CASE("a form sent at once, or with a forged or stale stamp, is shown again") {
  Daemon d;
  auto fields = person("a@b.fr", "ma photo");
  fields[0].second = form_stamp(kKey, now());
  const auto fast = d.post("/takedown", kMultipart, multipart(fields));
  CHECK(fast.result() == http::status::bad_request);
  CHECK(has(fast, "envoyez-la de nouveau"));
  CHECK(has(fast, "value=\"a@b.fr\""));
  fields[0].second = form_stamp("not the daemon's key!!", now() - 10s);
  CHECK(d.post("/takedown", kMultipart, multipart(fields)).result() == http::status::bad_request);
  fields[0].second = form_stamp(kKey, now() - 25h);
  const auto old = d.post("/takedown", kMultipart, multipart(fields));
  CHECK(old.result() == http::status::bad_request);
  CHECK(has(old, "avait expiré"));
  fields.erase(fields.begin());
  CHECK(d.post("/takedown", kMultipart, multipart(fields)).result() == http::status::bad_request);
  CHECK(d.count("SELECT count(*) FROM takedown_cases") == 0);
}

TEST_CASE("rate limits: per address and per network over a day, then 429") {
  Daemon d(2);
  auto send = [&](const std::string& email, const std::string& ip) {
    return d.post("/takedown", kMultipart, multipart(person(email, "ma photo")), ip);
  };
  CHECK(send("a@b.fr", "192.0.2.7").result() == http::status::see_other);
  CHECK(send("A@B.FR", "198.51.100.1").result() == http::status::see_other);
  const auto third = send("a@b.fr", "203.0.113.5");  // same address, a third network
  CHECK(third.result() == http::status::too_many_requests);
  CHECK(std::string(third[http::field::retry_after]) == "86400");
  CHECK(has(third, "au plus 2 demandes"));
  CHECK(has(third, "mailto:"));
  CHECK(d.count("SELECT count(*) FROM takedown_cases") == 2);

  CHECK(send("c@d.fr", "192.0.2.7").result() == http::status::see_other);
  CHECK(send("e@f.fr", "192.0.2.7").result() == http::status::too_many_requests);  // network
  CHECK(send("g@h.fr", "2001:db8:1:2::1").result() == http::status::see_other);
  CHECK(send("i@j.fr", "2001:db8:1:2::99").result() == http::status::see_other);
  CHECK(send("k@l.fr", "2001:db8:1:2:abcd::5").result() == http::status::too_many_requests);
  CHECK(d.count("SELECT count(*) FROM takedown_cases") == 5);

  // A day later the hits no longer count (and are pruned by the next form).
  auto age = [](workflow::Store& s) {
    s.db().prepare("UPDATE form_hits SET at = at - 86400001").run();
  };
  d.with_store(age);
  CHECK(send("a@b.fr", "192.0.2.7").result() == http::status::see_other);
  CHECK(d.count("SELECT count(*) FROM form_hits") == 2);
}

TEST_CASE("the confirmation link: a page with one button, then one confirmation") {
  Daemon d;
  const auto r = d.post("/takedown?lang=en", kMultipart, multipart(person("a@b.fr", "ma photo")));
  REQUIRE(r.result() == http::status::see_other);
  auto issue = [&](workflow::Store& s) {
    auto c = s.list_cases(std::nullopt, 1).at(0);
    return std::pair(d.cases->issue_link(s, c, std::nullopt, "confirm_email", c.requester,
                                         workflow::random_token_bytes(), now()),
                     c.reference);
  };
  const auto [raw, reference] = d.with_store(issue);

  const auto page = d.get("/takedown/confirm/" + raw);
  CHECK(page.result() == http::status::ok);
  CHECK(has(page, "<html lang=\"en\">"));  // the language of the case
  CHECK(has(page, reference));
  CHECK(has(page, "action=\"/takedown/confirm/" + raw + "\""));
  CHECK(has(page, "<button type=\"submit\">"));
  CHECK(d.count("SELECT count(*) FROM case_tokens WHERE used_at IS NOT NULL") == 0);
  CHECK(d.count("SELECT email_confirmed FROM takedown_cases") == 0);

  const std::string form = "application/x-www-form-urlencoded";
  CHECK(d.post("/takedown/confirm/" + raw, form, "csrf=nope").result() == http::status::forbidden);
  CHECK(d.post("/takedown/confirm/" + raw, form, "").result() == http::status::forbidden);
  const std::string csrf = "csrf=" + workflow::csrf_for(kKey, raw);
  const auto done = d.post("/takedown/confirm/" + raw, form, csrf);
  CHECK(done.result() == http::status::ok);
  CHECK(has(done, "Address confirmed"));
  CHECK(d.count("SELECT email_confirmed FROM takedown_cases") == 1);

  const auto again = d.post("/takedown/confirm/" + raw, form, csrf);
  CHECK(again.result() == http::status::gone);
  CHECK(has(again, "already been used"));
  CHECK(d.get("/takedown/confirm/" + raw).result() == http::status::gone);

  const std::string unknown(43, 'A');
  CHECK(d.get("/takedown/confirm/" + unknown).result() == http::status::not_found);
  CHECK(d.post("/takedown/confirm/" + unknown, form, "csrf=" + workflow::csrf_for(kKey, unknown))
            .result() == http::status::not_found);
  CHECK(d.get("/takedown/confirm/short").result() == http::status::not_found);
  CHECK(d.get("/takedown/confirm/short?lang=en").body().find("not recognised") !=
        std::string::npos);
}

TEST_CASE("the received page shows only a well-formed reference, escaped; 413 is the form") {
  Daemon d;
  CHECK(has(d.get("/takedown/received?ref=DI-2026-0042"), "DI-2026-0042"));
  const auto odd = d.get("/takedown/received?ref=%3Cb%3EDI-2026-1%3C/b%3E&confirm=1");
  CHECK(odd.result() == http::status::ok);
  CHECK(odd.body().find("<b>") == std::string::npos);
  CHECK(odd.body().find("DI-2026-1") == std::string::npos);
  CHECK(has(odd, "courriel avec un lien"));
  TakedownForm form(*d.services, *d.pages);
  const auto big = form.too_large("en");
  CHECK(big.result() == http::status::payload_too_large);
  CHECK(has(big, "larger than the total allowed (25 MB)"));
  CHECK(has(big, "name=\"stamp\""));
}
