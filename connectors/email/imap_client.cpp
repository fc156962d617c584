// The session runs on the caller's executor (the daemon's I/O thread): every read and write is
// asynchronous and bounded, so a slow server never blocks anything else. Messages name the
// host, never the user or a secret.
#include "connectors/email/imap_client.hpp"

#include "connectors/email/imap_connection.hpp"
#include "connectors/http/http_client.hpp"
#include "workflow/base64.hpp"

namespace relais::connectors::email {

ImapSession::ImapSession(std::shared_ptr<Connection> c) : c_(std::move(c)) {}

ImapSession::~ImapSession() {
  if (c_)
    close();
}

asio::awaitable<Result<std::unique_ptr<ImapSession>>> ImapSession::open(asio::any_io_executor ex,
                                                                        ImapOptions options) {
  using Opened = Result<std::unique_ptr<ImapSession>>;
  if (options.tls == ImapTls::none && !http::is_loopback_host(options.host)) {
    Opened refused = invalid_input(fmt::format(
        "IMAP without TLS is refused for {}: only a server on this machine may be spoken to in "
        "clear.",
        options.host));
    co_return refused;
  }
  auto c = std::make_shared<Connection>(ex, std::move(options));
  if (auto ready = http::configure_client_tls(c->tls_context, c->options.extra_ca_file); !ready) {
    Opened failed = ready.error();
    co_return failed;
  }
  tcp::resolver resolver(ex);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(c->options.host, std::to_string(c->options.port), kTuple);
  if (rec) {
    Opened failed = c->failure(rec, "Resolving the name");
    co_return failed;
  }
  c->tcp.expires_after(c->options.connect_timeout);
  auto [cec, connected] = co_await c->tcp.async_connect(endpoints, kTuple);
  if (cec) {
    Opened failed = c->failure(cec, "Connecting");
    co_return failed;
  }
  if (c->options.tls == ImapTls::implicit) {
    if (auto secured = co_await c->handshake(); !secured) {
      Opened failed = secured.error();
      co_return failed;
    }
  }
  c->tcp.expires_after(c->options.connect_timeout);
  auto greeting = co_await c->read_response();
  if (!greeting) {
    Opened failed = greeting.error();
    co_return failed;
  }
  const std::string hello = upper(greeting->line.substr(0, 9));
  if (!hello.starts_with("* OK") && !hello.starts_with("* PREAUTH")) {
    Opened failed = transient(
        fmt::format("The IMAP server {} did not greet: {}", c->options.host, greeting->line));
    co_return failed;
  }
  if (c->options.tls == ImapTls::starttls) {
    if (c->capabilities.empty()) {
      if (auto listed = co_await c->refresh_capabilities(); !listed) {
        Opened failed = listed.error();
        co_return failed;
      }
    }
    if (std::find(c->capabilities.begin(), c->capabilities.end(), "STARTTLS") ==
        c->capabilities.end()) {
      Opened failed = permanent(fmt::format(
          "The IMAP server {} does not offer STARTTLS; set tls = \"implicit\" (port 993).",
          c->options.host));
      co_return failed;
    }
    auto a = co_await c->command("STARTTLS");
    if (!a) {
      Opened failed = a.error();
      co_return failed;
    }
    if (a->status.kind != "OK") {
      Opened failed = c->refused(*a, "STARTTLS");
      co_return failed;
    }
    if (!c->pending.empty()) {  // bytes sent before TLS could be an injected command's answer
      Opened failed = permanent(
          fmt::format("The IMAP server {} sent data in clear after STARTTLS.", c->options.host));
      co_return failed;
    }
    if (auto secured = co_await c->handshake(); !secured) {
      Opened failed = secured.error();
      co_return failed;
    }
    c->capabilities.clear();  // what was said in clear is not believed
  }
  if (c->capabilities.empty()) {
    if (auto listed = co_await c->refresh_capabilities(); !listed) {
      Opened failed = listed.error();
      co_return failed;
    }
  }
  Opened opened = std::unique_ptr<ImapSession>(new ImapSession(std::move(c)));
  co_return opened;
}

bool ImapSession::has_capability(std::string_view name) const {
  const std::string wanted = upper(name);
  return std::find(c_->capabilities.begin(), c_->capabilities.end(), wanted) !=
         c_->capabilities.end();
}

std::string xoauth2_initial_response(std::string_view user, std::string_view access_token) {
  return workflow::base64(
      fmt::format("user={}\x01"
                  "auth=Bearer {}\x01\x01",
                  user, access_token));
}

namespace {

// AUTHENTICATE with an initial response (SASL-IR) or after the server's "+".
std::string authenticate_command(bool sasl_ir, std::string_view mechanism,
                                 const std::string& initial) {
  return sasl_ir ? fmt::format("AUTHENTICATE {} {}", mechanism, initial)
                 : fmt::format("AUTHENTICATE {}", mechanism);
}

}  // namespace

asio::awaitable<Result<void>> ImapSession::login(std::string user, std::string password) {
  const bool sasl_ir = has_capability("SASL-IR");
  Result<Connection::Answer> a = transient("not run");
  if (has_capability("AUTH=PLAIN")) {
    const std::string initial = workflow::base64(std::string(1, '\0') + user + '\0' + password);
    bool sent_initial = sasl_ir;
    a = co_await c_->command(authenticate_command(sasl_ir, "PLAIN", initial), [&] {
      // The first "+" wants the credentials; another one means they were refused.
      if (sent_initial)
        return std::string("*");  // cancels the exchange (RFC 3501 6.2.2)
      sent_initial = true;
      return initial;
    });
  } else if (has_capability("LOGINDISABLED")) {
    co_return permanent(fmt::format(
        "The IMAP server {} allows no password login on this connection.", c_->options.host));
  } else {
    auto u = imap::quoted(user);
    auto p = imap::quoted(password);
    if (!u || !p)
      co_return invalid_input(
          "The IMAP user name or password holds characters the LOGIN command cannot carry, "
          "and the server has no AUTHENTICATE PLAIN.");
    a = co_await c_->command("LOGIN " + *u + " " + *p);
  }
  if (!a)
    co_return a.error();
  if (a->status.kind != "OK")
    co_return c_->refused(*a, "the user name and password");
  if (!imap::capabilities("* OK [" + a->status.code + "]")) {
    if (auto listed = co_await c_->refresh_capabilities(); !listed)
      co_return listed.error();
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ImapSession::login_xoauth2(std::string user,
                                                         std::string access_token) {
  if (!has_capability("AUTH=XOAUTH2"))
    co_return permanent(
        fmt::format("The IMAP server {} does not offer XOAUTH2.", c_->options.host));
  const bool sasl_ir = has_capability("SASL-IR");
  const std::string initial = xoauth2_initial_response(user, access_token);
  bool sent_initial = sasl_ir;
  auto a = co_await c_->command(authenticate_command(sasl_ir, "XOAUTH2", initial), [&] {
    // After a refusal the server sends "+ <base64 JSON error>" and waits for an empty line.
    if (sent_initial)
      return std::string();
    sent_initial = true;
    return initial;
  });
  if (!a)
    co_return a.error();
  if (a->status.kind != "OK")
    co_return c_->refused(*a, "the OAuth2 access token");
  if (auto listed = co_await c_->refresh_capabilities(); !listed)
    co_return listed.error();
  co_return Result<void>{};
}

asio::awaitable<Result<SelectedMailbox>> ImapSession::select(std::string mailbox) {
  auto a = co_await c_->command("SELECT " + imap::mailbox_argument(mailbox));
  if (!a)
    co_return a.error();
  if (a->status.kind != "OK")
    co_return c_->refused(*a, fmt::format("to open the mailbox \"{}\"", mailbox));
  SelectedMailbox m;
  for (const auto& r : a->untagged) {
    if (auto code = imap::response_code(r.line)) {
      if (code->first == "UIDVALIDITY")
        m.uid_validity =
            static_cast<std::uint32_t>(std::strtoul(code->second.c_str(), nullptr, 10));
      else if (code->first == "UIDNEXT")
        m.uid_next = static_cast<std::uint32_t>(std::strtoul(code->second.c_str(), nullptr, 10));
    }
    if (auto n = imap::untagged_number(r.line, "EXISTS"))
      m.exists = *n;
  }
  if (m.uid_validity == 0)
    co_return transient(fmt::format("The IMAP server {} gave no UIDVALIDITY for \"{}\".",
                                    c_->options.host, mailbox));
  c_->exists = m.exists;
  c_->new_mail = false;
  co_return m;
}

asio::awaitable<Result<void>> ImapSession::create(std::string mailbox) {
  auto a = co_await c_->command("CREATE " + imap::mailbox_argument(mailbox));
  if (!a)
    co_return a.error();
  if (a->status.kind == "OK" || a->status.code == "ALREADYEXISTS")
    co_return Result<void>{};
  // Servers without the ALREADYEXISTS code say it in words; a LIST would tell, but a failed
  // MOVE afterwards says the same more usefully.
  co_return Result<void>{};
}

asio::awaitable<Result<std::vector<std::uint32_t>>> ImapSession::uids_from(std::uint32_t first) {
  auto a =
      co_await c_->command(fmt::format("UID SEARCH UID {}:*", std::max<std::uint32_t>(first, 1)));
  if (!a)
    co_return a.error();
  if (a->status.kind != "OK")
    co_return c_->refused(*a, "to search the mailbox");
  std::vector<std::uint32_t> uids;
  for (const auto& r : a->untagged) {
    if (auto found = imap::search_result(r.line))
      uids.insert(uids.end(), found->begin(), found->end());
  }
  // "n:*" with n above the highest UID still names the highest message (RFC 3501 6.4.8).
  std::erase_if(uids, [&](std::uint32_t uid) { return uid < first; });
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  co_return uids;
}

asio::awaitable<Result<ImapMessage>> ImapSession::fetch(std::uint32_t uid) {
  auto fetched = [&](const Connection::Answer& a) -> std::optional<imap::Fetched> {
    for (const auto& r : a.untagged) {
      auto f = imap::fetch_result(r);
      if (f && f->uid == uid)
        return f;
    }
    return std::nullopt;
  };
  auto sized = co_await c_->command(fmt::format("UID FETCH {} (UID RFC822.SIZE)", uid));
  if (!sized)
    co_return sized.error();
  if (sized->status.kind != "OK")
    co_return c_->refused(*sized, "to read a message");
  auto head = fetched(*sized);
  if (!head || !head->size)
    co_return transient(
        fmt::format("The IMAP server {} no longer has the message {}.", c_->options.host, uid));
  ImapMessage m;
  m.uid = uid;
  m.size = *head->size;
  if (m.size > c_->options.max_message_bytes)
    co_return m;
  // At most one byte over the limit: Exchange's RFC822.SIZE may be an estimate.
  auto whole = co_await c_->command(
      fmt::format("UID FETCH {} (UID BODY.PEEK[]<0.{}>)", uid, c_->options.max_message_bytes + 1));
  if (!whole)
    co_return whole.error();
  if (whole->status.kind != "OK")
    co_return c_->refused(*whole, "to read a message");
  auto body = fetched(*whole);
  if (!body || !body->body)
    co_return transient(
        fmt::format("The IMAP server {} no longer has the message {}.", c_->options.host, uid));
  if (body->body->size() > c_->options.max_message_bytes) {
    m.size = body->body->size();
    co_return m;
  }
  m.bytes = std::move(*body->body);
  co_return m;
}

asio::awaitable<Result<void>> ImapSession::move(std::uint32_t uid, std::string mailbox) {
  const std::string target = imap::mailbox_argument(mailbox);
  const bool can_move = has_capability("MOVE");
  const bool can_copy = !can_move && has_capability("UIDPLUS");
  if (!can_move && !can_copy)
    co_return co_await flag(uid);
  const std::string verb = can_move ? "MOVE" : "COPY";
  auto a = co_await c_->command(fmt::format("UID {} {} {}", verb, uid, target));
  if (!a)
    co_return a.error();
  if (a->status.kind != "OK" && a->status.code == "TRYCREATE") {
    if (auto made = co_await create(mailbox); !made)
      co_return made.error();
    a = co_await c_->command(fmt::format("UID {} {} {}", verb, uid, target));
    if (!a)
      co_return a.error();
  }
  if (a->status.kind != "OK")
    co_return c_->refused(*a, fmt::format("to move a message to \"{}\"", mailbox));
  if (can_copy) {
    for (const std::string& command : {fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", uid),
                                       fmt::format("UID EXPUNGE {}", uid)}) {
      auto done = co_await c_->command(command);
      if (!done)
        co_return done.error();
      if (done->status.kind != "OK")
        co_return c_->refused(*done, "to remove a copied message");
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ImapSession::flag(std::uint32_t uid) {
  auto a = co_await c_->command(fmt::format("UID STORE {} +FLAGS.SILENT (\\Flagged \\Seen)", uid));
  if (!a)
    co_return a.error();
  if (a->status.kind != "OK")
    co_return c_->refused(*a, "to flag a message");
  co_return Result<void>{};
}

asio::awaitable<Result<IdleEnd>> ImapSession::idle(std::chrono::milliseconds at_most) {
  if (c_->new_mail) {
    c_->new_mail = false;
    co_return IdleEnd::new_mail;
  }
  auto ex = co_await asio::this_coro::executor;
  if (!has_capability("IDLE")) {
    c_->poll_wait.expires_after(at_most);
    co_await c_->poll_wait.async_wait(kTuple);
    if (c_->closed)
      co_return transient("The IMAP session was closed.");
    auto a = co_await c_->command("NOOP");
    if (!a)
      co_return a.error();
    const bool news = c_->new_mail;
    c_->new_mail = false;
    co_return news ? IdleEnd::new_mail : IdleEnd::timed_out;
  }
  const std::string tag = fmt::format("R{}", ++c_->next_tag);
  c_->tcp.expires_after(c_->options.command_timeout);
  if (auto sent = co_await c_->write(tag + " IDLE\r\n"); !sent)
    co_return sent.error();
  // The reads below may wait the whole IDLE.
  c_->read_timeout = at_most + c_->options.command_timeout;
  struct Restore {
    Connection& c;
    ~Restore() { c.read_timeout = c.options.command_timeout; }
  } restore{*c_};
  // "DONE" is written either when news comes or by this timer; the read stays pending
  // meanwhile (a TLS stream allows one read and one write at once).
  struct Shared {
    bool done_sent = false;
  };
  auto shared = std::make_shared<Shared>();
  asio::steady_timer timer(ex, at_most);
  static const std::string kDone = "DONE\r\n";
  std::shared_ptr<Connection> c = c_;
  timer.async_wait([shared, c](boost::system::error_code ec) {
    if (ec || shared->done_sent || c->closed)
      return;
    shared->done_sent = true;
    auto written = [shared, c](boost::system::error_code, std::size_t) {};
    if (c->tls)
      asio::async_write(*c->tls, asio::buffer(kDone), written);
    else
      asio::async_write(c->tcp, asio::buffer(kDone), written);
  });
  bool idling = false;
  for (;;) {
    auto r = co_await c_->read_response();
    if (!r) {
      timer.cancel();
      co_return r.error();
    }
    if (auto st = imap::tagged_status(tag, r->line)) {
      timer.cancel();
      if (st->kind != "OK")
        co_return c_->refused({*st, {}}, "IDLE");
      break;
    }
    if (r->continuation()) {
      idling = true;
      if (!c_->new_mail)
        continue;
    }
    if (upper(r->line.substr(0, 5)) == "* BYE") {
      timer.cancel();
      co_return transient(fmt::format("The IMAP server {} closed the session: {}", c_->options.host,
                                      r->line.substr(std::min<std::size_t>(6, r->line.size()))));
    }
    if (c_->new_mail && idling && !shared->done_sent) {
      shared->done_sent = true;
      timer.cancel();
      if (auto sent = co_await c_->write(kDone); !sent)
        co_return sent.error();
    }
  }
  const bool news = c_->new_mail;
  c_->new_mail = false;
  co_return news ? IdleEnd::new_mail : IdleEnd::timed_out;
}

void ImapSession::close() {
  c_->closed = true;
  c_->poll_wait.cancel();
  boost::system::error_code ignored;
  c_->tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
  c_->tcp.socket().close(ignored);
}

asio::awaitable<void> ImapSession::logout() {
  auto a = co_await c_->command("LOGOUT");
  (void)a;
}

}  // namespace relais::connectors::email
