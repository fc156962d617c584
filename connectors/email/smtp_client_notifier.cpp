// SmtpClientNotifier: one libcurl easy handle per send, STARTTLS enforced with CURLUSESSL_ALL, and
// curl's result mapped to transient/permanent by the server's last reply code. Only the server's
// replies are captured for messages (never what we send, which holds AUTH), with addresses masked.
#include "connectors/email/smtp_client_notifier.hpp"
#include "workflow/loopback.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "workflow/sha256.hpp"

namespace relais::connectors::email {

namespace {

std::shared_ptr<spdlog::logger> log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("mail");
    return existing ? existing : spdlog::default_logger()->clone("mail");
  }();
  return logger;
}

bool has_line_break_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string_view unbracket(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool is_ipv6(std::string_view host) {
  in6_addr a{};
  return inet_pton(AF_INET6, std::string(unbracket(host)).c_str(), &a) == 1;
}

bool is_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
  });
}

// An envelope address for curl: no brackets, spaces or line breaks (curl adds the brackets).
bool is_envelope_address(std::string_view a) {
  return std::all_of(a.begin(), a.end(),
                     [](char c) { return c > 0x20 && c < 0x7f && c != '<' && c != '>'; });
}

// The server's reply, safe for a log line: printable ASCII, anything with '@' masked, bounded.
std::string clean_reply(std::string_view reply) {
  std::string out;
  std::size_t start = 0;
  while (start <= reply.size()) {
    std::size_t sp = reply.find(' ', start);
    std::string_view word = reply.substr(start, sp == std::string_view::npos ? sp : sp - start);
    if (!out.empty()) {
      out += ' ';
    }
    if (word.find('@') != std::string_view::npos) {
      out += "<address>";
    } else {
      for (char c : word) {
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
      }
    }
    if (sp == std::string_view::npos || out.size() > 200) {
      break;
    }
    start = sp + 1;
  }
  return out.substr(0, 200);
}

struct Transfer {
  std::string_view data;
  std::size_t pos = 0;
  std::string last_reply;  // the server's last 4xx/5xx reply line
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = std::min(size * nitems, t->data.size() - t->pos);
  std::memcpy(buffer, t->data.data() + t->pos, n);
  t->pos += n;
  return n;
}

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type == CURLINFO_HEADER_IN) {  // a server reply line; HEADER_OUT (with AUTH) is ignored
    std::string_view line(data, size);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
      line.remove_suffix(1);
    }
    // Keep the last refusal: after one, curl sends QUIT and a "221" would hide it.
    if (!line.empty() && (line.front() == '4' || line.front() == '5')) {
      static_cast<Transfer*>(user)->last_reply = std::string(line.substr(0, 512));
    }
  }
  return 0;
}

Error map_failure(CURLcode rc, long code, const std::string& reply, const char* curl_message,
                  std::string_view server) {
  std::string said = reply.empty() ? std::string() : fmt::format(": \"{}\"", clean_reply(reply));
  if (code >= 500 && code < 600) {
    return permanent(fmt::format("The mail server {} refused the message for good (SMTP {}{}).",
                                 server, code, said));
  }
  if (code >= 400 && code < 500) {
    return transient(
        fmt::format("The mail server {} deferred the message (SMTP {}{}); it will be retried.",
                    server, code, said));
  }
  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return permanent(fmt::format("The mail relay {} cannot be used as configured ({}).", server,
                                   curl_message));
    case CURLE_LOGIN_DENIED:
      return permanent(fmt::format("The mail server {} refused the login{}.", server, said));
    case CURLE_USE_SSL_FAILED:
      return transient(fmt::format(
          "The mail server {} does not offer STARTTLS; the message was not sent in clear text.",
          server));
    case CURLE_PEER_FAILED_VERIFICATION:
      return transient(
          fmt::format("The mail server {}'s TLS certificate could not be verified ({}).", server,
                      curl_message));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return transient(
          fmt::format("The mail server {} could not be reached ({}).", server, curl_message));
    case CURLE_OPERATION_TIMEDOUT:
      return transient(fmt::format("The mail server {} did not answer in time.", server));
    default:
      return transient(
          fmt::format("Sending to the mail server {} failed ({}).", server, curl_message));
  }
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<SmtpTls> parse_smtp_tls(std::string_view text) {
  if (text == "starttls")
    return SmtpTls::starttls;
  if (text == "implicit")
    return SmtpTls::implicit;
  if (text == "none")
    return SmtpTls::none;
  return std::nullopt;
}

bool is_loopback_host(std::string_view host) {
  return relais::is_loopback_host(host);
}

SmtpClientNotifier::SmtpClientNotifier(SmtpClientOptions options, std::string url)
    : options_(std::move(options)), url_(std::move(url)) {}

Result<std::unique_ptr<SmtpClientNotifier>> SmtpClientNotifier::create(SmtpClientOptions o) {
  const bool v6 = is_ipv6(o.host);
  if (!v6 && !is_hostname(o.host)) {
    return invalid_input("the SMTP relay host is not a valid host name or IP address");
  }
  if (o.port == 0) {
    return invalid_input("the SMTP relay port must be between 1 and 65535");
  }
  if (o.tls == SmtpTls::none && !is_loopback_host(o.host)) {
    return invalid_input(
        "SMTP without TLS is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1)");
  }
  if (!o.helo_name.empty() && !is_hostname(o.helo_name)) {
    return invalid_input("the SMTP EHLO name is not a valid host name");
  }
  if (has_line_break_or_nul(o.username) || has_line_break_or_nul(o.password)) {
    return invalid_input("the SMTP username or password contains a line break");
  }
  if (o.username.empty() != (o.password.empty() && !o.bearer)) {
    return invalid_input("the SMTP username and password (or token) must be given together");
  }
  if (o.connect_timeout.count() <= 0 || o.total_timeout.count() <= 0) {
    return invalid_input("the SMTP timeouts must be positive");
  }
  global_init();
  std::string host = v6 ? fmt::format("[{}]", unbracket(o.host)) : o.host;
  std::string url = fmt::format("{}://{}:{}/{}", o.tls == SmtpTls::implicit ? "smtps" : "smtp",
                                host, o.port, o.helo_name);
  return std::unique_ptr<SmtpClientNotifier>(new SmtpClientNotifier(std::move(o), std::move(url)));
}

Result<void> SmtpClientNotifier::send(const OutgoingMail& mail) {
  if (mail.recipients.empty()) {
    return invalid_input("the mail has no recipient");
  }
  for (const std::string& r : mail.recipients) {
    if (r.empty() || !is_envelope_address(r)) {
      return invalid_input("a recipient address is not usable in an SMTP envelope");
    }
  }
  if (!is_envelope_address(mail.envelope_from)) {
    return invalid_input("the envelope sender is not usable in an SMTP envelope");
  }
  if (mail.data.empty()) {
    return invalid_input("the mail has no content");
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return transient("libcurl could not start a transfer");
  }
  curl_slist* raw_list = nullptr;
  for (const std::string& r : mail.recipients) {
    curl_slist* next = curl_slist_append(raw_list, fmt::format("<{}>", r).c_str());
    if (next == nullptr) {
      curl_slist_free_all(raw_list);
      return transient("out of memory building the recipient list");
    }
    raw_list = next;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpts(raw_list, curl_slist_free_all);

  Transfer transfer;
  transfer.data = mail.data;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::string from = fmt::format("<{}>", mail.envelope_from);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(
      c, CURLOPT_USE_SSL,
      static_cast<long>(options_.tls == SmtpTls::none ? CURLUSESSL_NONE : CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
  curl_easy_setopt(c, CURLOPT_READDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.data.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);  // feeds on_debug only; nothing is printed
  std::string bearer;
  if (!options_.username.empty() && options_.bearer) {
    std::string refused;
    {
      std::lock_guard lock(refused_mutex_);
      refused = refused_token_;
    }
    auto token = options_.bearer(refused);
    if (!token)
      return token.error();
    bearer = std::move(*token);
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, bearer.c_str());
    curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  }

  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  const std::string id_hash = workflow::sha256_hex(mail.message_id).substr(0, 12);
  const std::string server = fmt::format("{}:{}", options_.host, options_.port);
  if (rc == CURLE_OK) {
    log()->info("smtp sent id_hash={} relay={} recipients={} bytes={}", id_hash, server,
                mail.recipients.size(), mail.data.size());
    return {};
  }
  if (rc == CURLE_LOGIN_DENIED && !bearer.empty()) {
    std::lock_guard lock(refused_mutex_);
    refused_token_ = bearer;  // renewed before the next try (the outbox retries)
  }
  const char* curl_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
  Error e = map_failure(rc, code, transfer.last_reply, curl_message, server);
  if (rc == CURLE_LOGIN_DENIED && !bearer.empty()) {
    // A refused access token is renewed before the next try: worth retrying.
    e = transient(fmt::format(
        "The mail server {} refused the access token (SMTP {}); it is renewed before the next try.",
        server, code));
  }
  log()->warn("smtp failed id_hash={} relay={} curl={} smtp_code={} transient={} error=\"{}\"",
              id_hash, server, static_cast<int>(rc), code, e.kind == ErrorKind::transient,
              e.message);
  return e;
}

}  // namespace relais::connectors::email
