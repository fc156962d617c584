// multipart/form-data bodies (RFC 7578), built as parts that the client streams: files are
// named, never read here.
#include <random>

#include "connectors/http/http_client.hpp"

namespace relais::connectors::http {

namespace {

// Quoted-string content of a name or file name, escaped as browsers do (RFC 7578 4.2).
std::string form_quoted(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "%22";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string random_boundary() {
  static constexpr char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device device;
  std::string out = "relais-";
  for (int i = 0; i < 32; ++i)
    out += kAlphabet[device() % (sizeof(kAlphabet) - 1)];
  return out;
}

}  // namespace

Multipart multipart_form(const std::vector<FormField>& fields, std::string boundary) {
  if (boundary.empty())
    boundary = random_boundary();
  Multipart m;
  m.content_type = "multipart/form-data; boundary=" + boundary;
  std::string pending;
  for (const auto& f : fields) {
    pending += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" +
               form_quoted(f.name) + "\"";
    if (f.file.empty()) {
      pending += "\r\n\r\n" + f.value + "\r\n";
      continue;
    }
    pending += "; filename=\"" + form_quoted(f.filename) + "\"\r\nContent-Type: " +
               (f.content_type.empty() ? "application/octet-stream" : f.content_type) + "\r\n\r\n";
    m.parts.push_back({std::move(pending), {}});
    pending.clear();
    m.parts.push_back({{}, f.file});
    pending = "\r\n";
  }
  pending += "--" + boundary + "--\r\n";
  m.parts.push_back({std::move(pending), {}});
  return m;
}

}  // namespace relais::connectors::http
