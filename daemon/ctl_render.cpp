// Text output pads by UTF-8 characters, not bytes, so French subjects line up; anything that
// could steer a terminal is replaced. JSON output carries the stored values unchanged.
#include "daemon/ctl_render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "daemon/local_time.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::TimePoint;

namespace {

std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(std::string s, std::size_t width) {
  const auto w = display_width(s);
  if (w < width)
    s.append(width - w, ' ');
  return s;
}

// "2026-09-21 16:13" in the configured zone.
std::string local_short(TimePoint t) {
  std::string s = format_input(t);
  std::replace(s.begin(), s.end(), 'T', ' ');
  return s;
}

json::value optional_time(const std::optional<TimePoint>& t) {
  if (!t)
    return nullptr;
  return json::value(iso_utc(*t));
}

}  // namespace

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : pad(row[i], widths[i]) + "  ";
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
}

std::string terminal_text(std::string_view s, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && max_chars > 0 && chars == max_chars) {
      // Replace the last character with the ellipsis so the width stays max_chars.
      std::size_t cut = out.size();
      while (cut > 0 && (static_cast<unsigned char>(out[cut - 1]) & 0xC0) == 0x80)
        --cut;
      if (cut > 0)
        --cut;
      out.resize(cut);
      out += "…";
      return out;
    }
    if (starts_char)
      ++chars;
    if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out += '?';  // C1 control characters (U+0080..U+009F), e.g. CSI
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string iso_utc(TimePoint t) {
  const std::time_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

json::object request_json(const workflow::Request& r) {
  json::array channels;
  for (const auto& c : r.channels) {
    channels.push_back(json::object{{"name", c.channel},
                                    {"status", workflow::to_string(c.status)},
                                    {"url", c.url},
                                    {"post_id", c.post_id},
                                    {"error", c.error}});
  }
  json::array findings;
  for (const auto& f : r.findings) {
    findings.push_back(json::object{
        {"code", f.code}, {"severity", workflow::to_string(f.severity)}, {"message", f.message}});
  }
  return json::object{{"id", r.id},
                      {"reference", r.reference},
                      {"state", workflow::to_string(r.state)},
                      {"version", r.version},
                      {"sender", r.sender},
                      {"sender_name", r.sender_name},
                      {"subject", r.subject},
                      {"text", r.text},
                      {"author", r.author},
                      {"language", r.language},
                      {"publish_at", optional_time(r.publish_at)},
                      {"note", r.note},
                      {"created_at", iso_utc(r.created_at)},
                      {"updated_at", iso_utc(r.updated_at)},
                      {"channels", std::move(channels)},
                      {"findings", std::move(findings)}};
}

json::object request_detail_json(const workflow::Request& r,
                                 const std::vector<workflow::MediaRow>& media,
                                 const std::vector<workflow::AuditRow>& history) {
  json::object o = request_json(r);
  json::array m;
  for (const auto& row : media) {
    m.push_back(json::object{{"position", row.position},
                             {"filename", row.filename},
                             {"content_type", row.content_type},
                             {"size", row.size},
                             {"sha256", row.sha256}});
  }
  json::array h;
  for (const auto& t : history) {
    h.push_back(json::object{{"id", t.id},
                             {"at", iso_utc(t.at)},
                             {"from", t.from_state},
                             {"to", t.to_state},
                             {"event", t.event},
                             {"actor", t.actor},
                             {"source", t.source},
                             {"detail", t.detail}});
  }
  o["media"] = std::move(m);
  o["history"] = std::move(h);
  return o;
}

json::object quarantine_json(const workflow::QuarantineRow& q) {
  return json::object{{"id", q.id},         {"sha256", q.sha256}, {"size", q.size},
                      {"reason", q.reason}, {"remote", q.remote}, {"at", iso_utc(q.at)}};
}

void print_request_table(std::ostream& out, const std::vector<workflow::Request>& requests) {
  if (requests.empty()) {
    out << "no requests\n";
    return;
  }
  std::vector<std::vector<std::string>> rows{
      {"ID", "REFERENCE", "STATE", "SENDER", "SUBJECT", "UPDATED"}};
  for (const auto& r : requests) {
    rows.push_back({std::to_string(r.id), terminal_text(r.reference),
                    std::string(workflow::to_string(r.state)), terminal_text(r.sender, 40),
                    terminal_text(r.subject, 40), local_short(r.updated_at)});
  }
  print_table(out, rows);
}

void print_request_detail(std::ostream& out, const workflow::Request& r,
                          const std::vector<workflow::MediaRow>& media,
                          const std::vector<workflow::AuditRow>& history) {
  const std::string from =
      r.sender_name.empty()
          ? terminal_text(r.sender)
          : fmt::format("{} <{}>", terminal_text(r.sender_name), terminal_text(r.sender));
  out << fmt::format("{} (id {})  {}  version {}\n", terminal_text(r.reference), r.id,
                     workflow::to_string(r.state), r.version);
  std::vector<std::vector<std::string>> head{
      {"from:", from},
      {"subject:", terminal_text(r.subject)},
      {"author:", r.author.empty() ? "-" : terminal_text(r.author)},
      {"publish at:", r.publish_at ? local_short(*r.publish_at) : "-"},
      {"created:", local_short(r.created_at)},
      {"updated:", local_short(r.updated_at)}};
  if (!r.note.empty())
    head.push_back({"note:", terminal_text(r.note)});
  print_table(out, head);

  out << "text:\n";
  std::string_view text = r.text;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out << "  " << terminal_text(text.substr(0, nl)) << '\n';
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }

  out << "channels:" << (r.channels.empty() ? " none\n" : "\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : r.channels) {
    rows.push_back({"  " + terminal_text(c.channel), std::string(workflow::to_string(c.status)),
                    c.url.empty() ? "-" : terminal_text(c.url), terminal_text(c.error)});
  }
  print_table(out, rows);

  out << "findings:" << (r.findings.empty() ? " none\n" : "\n");
  rows.clear();
  for (const auto& f : r.findings) {
    rows.push_back({"  " + std::string(workflow::to_string(f.severity)), terminal_text(f.code),
                    terminal_text(f.message)});
  }
  print_table(out, rows);

  out << "media:" << (media.empty() ? " none\n" : "\n");
  rows.clear();
  for (const auto& m : media) {
    rows.push_back({"  " + std::to_string(m.position), terminal_text(m.filename),
                    terminal_text(m.content_type), fmt::format("{} bytes", m.size)});
  }
  print_table(out, rows);

  out << "history:" << (history.empty() ? " none\n" : "\n");
  rows.clear();
  for (const auto& t : history) {
    rows.push_back({"  " + local_short(t.at), fmt::format("{} -> {}", t.from_state, t.to_state),
                    t.event, terminal_text(t.actor), terminal_text(t.source),
                    terminal_text(t.detail, 120)});
  }
  print_table(out, rows);
}

void print_quarantine_table(std::ostream& out, const std::vector<workflow::QuarantineRow>& rows) {
  if (rows.empty()) {
    out << "quarantine is empty\n";
    return;
  }
  std::vector<std::vector<std::string>> table{{"ID", "SHA256", "SIZE", "REMOTE", "AT", "REASON"}};
  for (const auto& q : rows) {
    table.push_back({std::to_string(q.id), q.sha256, std::to_string(q.size),
                     q.remote.empty() ? "-" : terminal_text(q.remote), local_short(q.at),
                     terminal_text(q.reason)});
  }
  print_table(out, table);
}

}  // namespace relais::daemon
