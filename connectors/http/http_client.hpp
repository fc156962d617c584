// The one HTTP client every network connector uses: HTTPS over OpenSSL with the peer's
// certificate verified against the system store (plus an optional extra CA file) and its host
// name checked, SNI, an HTTP CONNECT tunnel through the organisation's proxy, and timeouts on
// connecting, on each read and on the whole exchange. Plain http:// is refused unless the host
// is a loopback address (the tests' local servers).
//
// Blocking: each call runs its own I/O on the calling thread (the worker pool), so a slow
// network never holds the daemon's I/O thread.
//
// Errors (relais::Error):
//   invalid_input - the URL is not one the client may call (bad syntax, plain http elsewhere
//                   than loopback, no host);
//   permanent     - the server's certificate cannot be trusted (unknown issuer, wrong host
//                   name, expired): retrying will not help until someone acts;
//   transient     - name resolution, connection, proxy, time-out, a connection closed before
//                   the whole answer, an answer larger than max_response_bytes.
// An HTTP answer, whatever its status, is a success: the connector decides what 4xx/5xx mean.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors::http {

struct Header {
  std::string name;
  std::string value;
};

// A piece of a streamed body: bytes in memory, or a file read from disk as it is sent (photos
// and videos are never loaded whole).
struct BodyPart {
  std::string bytes;
  std::filesystem::path file;  // when not empty, the part is this file's content
};

struct Request {
  std::string method = "GET";
  std::string url;              // https://host[:port]/path?query
  std::vector<Header> headers;  // Host, User-Agent and Content-Length are set by the client
  std::string body;
  std::vector<BodyPart> parts;  // when not empty, the body instead of `body`, in this order
  // Redirects followed, for the calls whose network documents one (0: none, the 3xx is the
  // answer). 303 turns the call into a GET; Authorization is not sent to another host.
  int follow_redirects = 0;
};

// A multipart/form-data body (RFC 7578): text fields and files, as parts to stream.
struct Multipart {
  std::string content_type;  // "multipart/form-data; boundary=..."
  std::vector<BodyPart> parts;
};
struct FormField {
  std::string name;
  std::string value;           // text fields
  std::filesystem::path file;  // file fields: the content
  std::string filename;        // file fields: the name the server sees
  std::string content_type;    // file fields: "image/jpeg"...
};
// `boundary` empty: a random one. Names and file names are quoted, with CR, LF and '"' escaped
// as percent-encoding, as browsers do.
Multipart multipart_form(const std::vector<FormField>& fields, std::string boundary = {});

struct Response {
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  // The first header of that name, in any case; empty when there is none.
  std::string header(std::string_view name) const;
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};  // resolve, TCP, TLS
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};     // each read or write
  std::chrono::milliseconds total_timeout{std::chrono::seconds(120)};   // the whole exchange
  std::string extra_ca_file;  // PEM file of CAs trusted besides the system store
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  std::string https_proxy;  // "http://proxy.example.org:3128"; empty: no proxy
  std::string no_proxy;     // "example.org,.intra,10.1.2.3"; "*": no proxy for any host
  std::string user_agent = "relais";
  // When set, called with each address a name resolves to ("10.0.0.1", "::1"); a non-empty
  // answer (the reason) keeps the client from connecting there. With a proxy, the proxy's
  // addresses are the ones checked, so callers that need the check use no proxy.
  std::function<std::string(std::string_view address)> address_refused;
};

// Fills https_proxy and no_proxy from HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy.
void proxy_from_environment(ClientOptions& options);

// What kind of internal address `address` (IPv4 or IPv6, with or without brackets) is:
// "loopback", "private", "link-local"..., or "" for a public address.
std::string internal_address_kind(std::string_view address);

// Whether `host` (a name or an IP address, IPv6 with or without brackets) is the loopback.
bool is_loopback_host(std::string_view host);

// Whether a connection to `host` bypasses the proxy: loopback always, and the no_proxy list.
bool bypasses_proxy(std::string_view host, std::string_view no_proxy);

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One request, one answer. Thread-safe: calls may run at once on several threads.
  Result<Response> send(const Request& request);

 private:
  Result<Response> send_once(const Request& request);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relais::connectors::http
