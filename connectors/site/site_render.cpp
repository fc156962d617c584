// Renders index.html and atom.xml from the site's entries. Every piece of text is stripped of
// bytes XML forbids and escaped with html_escape; media names are our own slugs. Never fails.
#include "connectors/site/site_render.hpp"

#include <fmt/format.h>
#include <array>

#include "connectors/common/escape.hpp"

namespace relais::connectors::site {
namespace {

struct Labels {
  std::string_view photo;  // credit prefix, "Photo : "
  std::string_view video;
  std::string_view empty;  // shown when there is no entry
  std::string_view feed;   // the link to atom.xml
  std::array<std::string_view, 12> months;
};

constexpr Labels french{"Photo\u00a0: ",
                        "Vidéo\u00a0: ",
                        "Aucune actualité pour le moment.",
                        "S’abonner au flux Atom",
                        {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                         "septembre", "octobre", "novembre", "décembre"}};
constexpr Labels english{"Photo: ",
                         "Video: ",
                         "No news yet.",
                         "Subscribe to the Atom feed",
                         {"January", "February", "March", "April", "May", "June", "July", "August",
                          "September", "October", "November", "December"}};

const Labels& labels_for(std::string_view language) {
  return language.substr(0, 2) == "fr" ? french : english;
}

// Drops the C0 control bytes XML 1.0 forbids (all but tab, LF, CR), then escapes.
std::string esc(std::string_view in) {
  std::string clean;
  clean.reserve(in.size());
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
      clean += c;
    }
  }
  return html_escape(clean);
}

// "2026-03-01T10:00:00Z" -> "1 mars 2026" / "1 March 2026"; the raw text if malformed.
std::string display_date(std::string_view iso, const Labels& labels) {
  auto digits = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (i >= iso.size() || iso[i] < '0' || iso[i] > '9') {
        return -1;
      }
      v = v * 10 + (iso[i] - '0');
    }
    return v;
  };
  int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) {
    return std::string(iso);
  }
  return fmt::format("{} {} {}", day, labels.months[static_cast<std::size_t>(month - 1)], year);
}

bool is_video(std::string_view content_type) {
  return content_type.substr(0, 6) == "video/";
}

// Paragraphs (one per non-blank line) then one figure per media file; `media_base` is "media/"
// for the page and the absolute media URL for the feed.
std::string entry_body(const SiteEntry& e, std::string_view media_base, const Labels& labels) {
  std::string out;
  std::string_view text = e.text;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.find_first_not_of(" \t\r\f\v") == std::string_view::npos) {
      continue;
    }
    if (line.back() == '\r') {
      line.remove_suffix(1);
    }
    out += fmt::format("<p>{}</p>\n", esc(line));
  }
  for (const SiteMedia& m : e.media) {
    std::string src = esc(std::string(media_base) + m.file);
    std::string caption =
        e.author.empty()
            ? std::string()
            : fmt::format("<figcaption>{}{}</figcaption>",
                          is_video(m.content_type) ? labels.video : labels.photo, esc(e.author));
    if (is_video(m.content_type)) {
      out += fmt::format(
          "<figure><video controls preload=\"metadata\" src=\"{}\" aria-label=\"{}\"></video>{}"
          "</figure>\n",
          src, esc(m.alt), caption);
    } else {
      out += fmt::format("<figure><img src=\"{}\" alt=\"{}\" loading=\"lazy\">{}</figure>\n", src,
                         esc(m.alt), caption);
    }
  }
  return out;
}

constexpr std::string_view css = R"(
:root { color-scheme: light dark; }
body { margin: 0 auto; max-width: 42rem; padding: 1rem 1.25rem 3rem;
  font: 1.125rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1b1b1b; background: #fff; }
h1 { font-size: 2rem; line-height: 1.2; margin: 1rem 0 2rem; }
h2 { font-size: 1.5rem; line-height: 1.3; margin: 0 0 .25rem; }
article { border-top: 1px solid #ccc; padding: 1.5rem 0; }
.date { color: #555; margin: 0 0 1rem; font-size: 1rem; }
figure { margin: 1rem 0; }
img, video { display: block; max-width: 100%; height: auto; }
figcaption { color: #555; font-size: .95rem; margin-top: .35rem; }
a { color: #0b57a4; }
a:focus { outline: 3px solid #f0a500; outline-offset: 2px; }
footer { border-top: 1px solid #ccc; padding-top: 1rem; font-size: 1rem; }
@media (prefers-color-scheme: dark) {
  body { color: #eee; background: #121212; }
  .date, figcaption { color: #bbb; }
  a { color: #8ab4f8; }
  article, footer { border-color: #444; }
}
)";

std::string host_of(std::string_view url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return {};
  }
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  rest = rest.substr(0, rest.find(':'));
  std::string host;
  for (char c : rest) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    if (!ok) {
      return {};
    }
    host += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return host;
}

}  // namespace

std::string entry_url(const SiteOptions& options, std::string_view id) {
  return options.public_url + "index.html#" + std::string(id);
}

std::string atom_entry_id(const SiteOptions& options, const SiteEntry& entry) {
  std::string host = host_of(options.public_url);
  if (host.empty() || entry.published_at.size() < 10) {
    return "urn:relais:site:" + entry.id;
  }
  return fmt::format("tag:{},{}:site/{}", host, entry.published_at.substr(0, 10), entry.id);
}

std::string render_index(const std::vector<SiteEntry>& entries, const SiteOptions& options) {
  const Labels& labels = labels_for(options.language);
  std::string title = esc(options.title);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "img-src 'self'; media-src 'self'; style-src 'unsafe-inline'\">\n"
      "<title>{}</title>\n"
      "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{}\" href=\"atom.xml\">\n"
      "<style>{}</style>\n</head>\n<body>\n<header><h1>{}</h1></header>\n<main>\n",
      esc(options.language), title, title, css, title);
  if (entries.empty()) {
    out += fmt::format("<p>{}</p>\n", labels.empty);
  }
  for (const SiteEntry& e : entries) {
    out += fmt::format(
        "<article id=\"{0}\" aria-labelledby=\"{0}-title\">\n<h2 id=\"{0}-title\">{1}</h2>\n"
        "<p class=\"date\"><time datetime=\"{2}\">{3}</time></p>\n{4}</article>\n",
        esc(e.id), esc(e.title), esc(e.published_at), esc(display_date(e.published_at, labels)),
        entry_body(e, "media/", labels));
  }
  out += fmt::format(
      "</main>\n<footer><p><a href=\"atom.xml\">{}</a></p></footer>\n</body>\n</html>\n",
      labels.feed);
  return out;
}

std::string render_atom(const std::vector<SiteEntry>& entries, const SiteOptions& options,
                        std::string_view now) {
  const Labels& labels = labels_for(options.language);
  std::string feed_id = options.public_url.find("://") != std::string::npos
                            ? options.public_url + "atom.xml"
                            : std::string("urn:relais:site");
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n"
      "<id>{}</id>\n<title>{}</title>\n<updated>{}</updated>\n"
      "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n"
      "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n"
      "<author><name>{}</name></author>\n<generator>relais</generator>\n",
      esc(options.language), esc(feed_id), esc(options.title), esc(now),
      esc(options.public_url + "atom.xml"), esc(options.public_url + "index.html"),
      esc(options.title));
  for (const SiteEntry& e : entries) {
    out += fmt::format(
        "<entry>\n<id>{}</id>\n<title>{}</title>\n<published>{}</published>\n"
        "<updated>{}</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        esc(atom_entry_id(options, e)), esc(e.title), esc(e.published_at), esc(e.published_at),
        esc(entry_url(options, e.id)));
    for (const SiteMedia& m : e.media) {
      out +=
          fmt::format("<link rel=\"enclosure\" type=\"{}\" length=\"{}\" href=\"{}\"/>\n",
                      esc(m.content_type), m.length, esc(options.public_url + "media/" + m.file));
    }
    // The HTML is escaped once more to travel as text inside <content type="html">.
    out += fmt::format("<content type=\"html\">{}</content>\n</entry>\n",
                       html_escape(entry_body(e, options.public_url + "media/", labels)));
  }
  out += "</feed>\n";
  return out;
}

}  // namespace relais::connectors::site
