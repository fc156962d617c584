#include "daemon/imap_ingest.hpp"

#include "connectors/http/oauth2_token.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>

#include "connectors/email/imap_client.hpp"
#include "daemon/secret_file.hpp"

namespace relais::daemon {
namespace asio = boost::asio;
namespace email = connectors::email;

namespace {

constexpr auto kFirstRetry = std::chrono::seconds(1);
constexpr auto kLongestRetry = std::chrono::minutes(5);
constexpr int kMaxAttempts = 5;

std::string setting(const ChannelConfig& c, const char* key) {
  const auto it = c.settings.find(key);
  return it == c.settings.end() ? std::string() : it->second;
}

int number(const ChannelConfig& c, const char* key, int fallback) {
  const std::string text = setting(c, key);
  return text.empty() ? fallback : std::atoi(text.c_str());
}

email::ImapTls tls_of(const std::string& text) {
  if (text == "starttls")
    return email::ImapTls::starttls;
  if (text == "none")
    return email::ImapTls::none;
  return email::ImapTls::implicit;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

struct ImapIngest::Account {
  const ChannelConfig& config;
  email::ImapOptions options;
  std::string mailbox;
  std::string done_mailbox;
  std::string address;  // the mailbox's address, as the envelope recipient
  std::chrono::minutes idle_for{25};
  std::chrono::seconds poll_every{60};
  email::ImapSession* session = nullptr;  // the open one, for stop()
  asio::steady_timer pause;
  std::uint32_t current_uid = 0;  // the message being handled, 0 between messages
  std::uint32_t failing_uid = 0;  // the message the last sessions failed on
  int failures = 0;               // how many sessions in a row failed on it
  // XOAUTH2: the access token, renewed from the refresh token file (nullptr: a password).
  std::unique_ptr<connectors::http::TokenStore> tokens;
  std::string refused_token;  // the last token the server refused, renewed before next use

  Account(const ChannelConfig& c, asio::any_io_executor ex) : config(c), pause(ex) {}
};

ImapIngest::ImapIngest(Services& s, Intake& intake, asio::any_io_executor ex)
    : s_(s), intake_(intake), ex_(ex) {}

ImapIngest::~ImapIngest() = default;

void ImapIngest::start() {
  for (const auto& c : s_.config.mail.imap_accounts) {
    auto a = std::make_shared<Account>(c, ex_);
    a->options.host = setting(c, "host");
    a->options.port = static_cast<std::uint16_t>(number(c, "port", 993));
    a->options.tls = tls_of(setting(c, "tls"));
    a->options.extra_ca_file = setting(c, "ca_file");
    a->options.max_message_bytes = static_cast<std::size_t>(s_.config.mail.max_message_bytes);
    if (!setting(c, "oauth2_refresh_token_file").empty()) {
      connectors::http::ClientOptions http_options;
      http_options.extra_ca_file = setting(c, "ca_file");
      connectors::http::proxy_from_environment(http_options);
      std::string secret;
      if (const auto file = setting(c, "oauth2_client_secret_file"); !file.empty())
        secret = read_secret(file).value_or("");
      a->tokens = std::make_unique<connectors::http::TokenStore>(
          connectors::http::TokenOptions{setting(c, "oauth2_token_url"),
                                         setting(c, "oauth2_client_id"), secret,
                                         setting(c, "oauth2_refresh_token_file"),
                                         setting(c, "oauth2_scope"), "The identity provider"},
          std::make_shared<connectors::http::Client>(std::move(http_options)));
    }
    a->mailbox = setting(c, "mailbox");
    a->done_mailbox = setting(c, "done_mailbox");
    const std::string user = lower(setting(c, "username"));
    a->address = user.find('@') != std::string::npos ? user : s_.config.mail.submission_address;
    a->idle_for = std::chrono::minutes(number(c, "idle_minutes", 25));
    a->poll_every = std::chrono::seconds(number(c, "poll_seconds", 60));
    accounts_.push_back(a);
    ++running_;
    asio::co_spawn(ex_, run(std::move(a)), [this, name = c.name](std::exception_ptr ep) {
      --running_;
      if (ep)
        spdlog::critical("imap account={} stopped unexpectedly", name);
    });
  }
}

void ImapIngest::stop() {
  stopping_ = true;
  for (auto& a : accounts_) {
    a->pause.cancel();
    if (a->session)
      a->session->close();
  }
}

asio::awaitable<void> ImapIngest::run(std::shared_ptr<Account> account) {
  Account& a = *account;
  auto wait = std::chrono::duration_cast<std::chrono::seconds>(kFirstRetry);
  while (!stopping_) {
    const auto began = std::chrono::steady_clock::now();
    Result<void> ended = transient("not run");
    try {
      a.current_uid = 0;
      ended = co_await session(a);
    } catch (const std::exception& e) {  // the store busy or full: a session like another
      ended = transient(fmt::format("storing failed: {}", e.what()));
    }
    if (stopping_ || ended)
      break;
    if (a.current_uid != 0) {
      a.failures = a.current_uid == a.failing_uid ? a.failures + 1 : 1;
      a.failing_uid = a.current_uid;
    }
    // A session that worked a while before failing starts the backoff again from 1 s.
    if (std::chrono::steady_clock::now() - began > std::chrono::minutes(1))
      wait = std::chrono::duration_cast<std::chrono::seconds>(kFirstRetry);
    const auto& error = ended.error();
    if (error.kind == ErrorKind::transient)
      spdlog::warn("imap account={} error=\"{}\" retry_in={}s", a.config.name, error.message,
                   wait.count());
    else
      spdlog::error("imap account={} error=\"{}\" retry_in={}s", a.config.name, error.message,
                    wait.count());
    a.pause.expires_after(wait);
    boost::system::error_code ec;
    co_await a.pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    wait = std::min<std::chrono::seconds>(wait * 2, kLongestRetry);
  }
  spdlog::info("imap account={} stopped", a.config.name);
}

asio::awaitable<Result<void>> ImapIngest::session(Account& a) {
  const std::string password_file = setting(a.config, "password_file");
  auto opened = co_await email::ImapSession::open(ex_, a.options);
  if (!opened)
    co_return opened.error();
  auto& session = **opened;
  a.session = &session;
  struct Forget {
    Account& a;
    ~Forget() { a.session = nullptr; }
  } forget{a};
  if (stopping_)
    co_return transient("stopping");
  if (a.tokens) {
    // Renewing blocks on HTTP: on the worker pool. A token the server refused last time is
    // renewed first (it may have been revoked before its expiry).
    auto job = [&a]() {
      return a.refused_token.empty() ? a.tokens->access_token()
                                     : a.tokens->renewed_after(a.refused_token);
    };
    auto token = co_await on_pool(s_.pool, job);
    if (!token)
      co_return token.error();
    a.refused_token.clear();
    if (auto in = co_await session.login_xoauth2(setting(a.config, "username"), *token); !in) {
      a.refused_token = *token;
      co_return in.error();
    }
  } else {
    const auto password = read_secret(password_file);
    if (!password)
      co_return permanent(fmt::format("The password file {} cannot be read.", password_file));
    if (auto in = co_await session.login(setting(a.config, "username"), *password); !in)
      co_return in.error();
  }
  auto box = co_await session.select(a.mailbox);
  if (!box)
    co_return box.error();
  const std::string account = a.config.name;
  const std::string mailbox = a.mailbox;
  auto job0 = [&](workflow::Store& store) { return store.imap_position(account, mailbox); };
  const auto known = co_await s_.writer.run(job0);
  std::uint32_t last = 0;
  if (known && known->uid_validity == box->uid_validity) {
    last = known->last_uid;
  } else if (known) {
    spdlog::warn("imap account={} mailbox renumbered uidvalidity={} was={}: reading it all again",
                 account, box->uid_validity, known->uid_validity);
  }
  // Every message up to `uid` is handled: it is not read again.
  auto record = [&](std::uint32_t uid) -> asio::awaitable<void> {
    auto job1 = [&, uid, validity = box->uid_validity](workflow::Store& store) {
      store.set_imap_position(account, mailbox, {validity, uid}, workflow::now_ms());
    };
    co_await s_.writer.run(job1);
    last = uid;
  };
  spdlog::info("imap account={} connected host={} mailbox=\"{}\" exists={} last_uid={} idle={}",
               account, a.options.host, mailbox, box->exists, last, session.has_capability("IDLE"));
  for (;;) {
    auto uids = co_await session.uids_from(last + 1);
    if (!uids)
      co_return uids.error();
    for (const std::uint32_t uid : *uids) {
      if (stopping_)
        co_return transient("stopping");
      a.current_uid = uid;
      if (uid == a.failing_uid && a.failures >= kMaxAttempts) {
        spdlog::error(
            "imap account={} uid={} failed {} times: flagged and left in the mailbox "
            "for a person",
            account, uid, a.failures);
        if (auto flagged = co_await session.flag(uid); !flagged)
          co_return flagged.error();
        co_await record(uid);
        continue;
      }
      auto message = co_await session.fetch(uid);
      if (!message)
        co_return message.error();
      if (!message->bytes) {
        // Too large to be stored: left in the mailbox for a person, and not read again.
        spdlog::warn("imap account={} uid={} bytes={} too large, left in the mailbox", account, uid,
                     message->size);
      } else {
        email::Envelope envelope;
        envelope.recipients = {a.address};
        envelope.remote = "imap:" + account;
        envelope.sender_in_headers = true;
        struct Delivering {  // counted for the shutdown, whatever the delivery ends with
          std::atomic<int>& n;
          explicit Delivering(std::atomic<int>& count) : n(count) { ++n; }
          ~Delivering() { --n; }
        };
        std::optional<Delivering> delivering(std::in_place, delivering_);
        const auto reply =
            co_await intake_.deliver(std::move(envelope), std::move(*message->bytes));
        delivering.reset();
        if (reply.code >= 400) {
          co_return transient(fmt::format("the message {} could not be stored: {} {}", uid,
                                          reply.code, reply.text));
        }
        auto moved = co_await session.move(uid, a.done_mailbox);
        if (!moved && moved.error().kind != ErrorKind::permanent)
          co_return moved.error();
        if (!moved) {
          // The folder cannot be made or written (a name the server refuses): the message is
          // stored, so it is flagged where it is rather than read again and again.
          spdlog::error("imap account={} uid={} cannot be moved, flagged instead error=\"{}\"",
                        account, uid, moved.error().message);
          if (auto flagged = co_await session.flag(uid); !flagged)
            co_return flagged.error();
        }
        spdlog::info("imap account={} uid={} stored reply=\"{}\"", account, uid, reply.text);
      }
      co_await record(uid);
    }
    a.current_uid = 0;
    if (stopping_)
      co_return transient("stopping");
    const auto wait = session.has_capability("IDLE")
                          ? std::chrono::duration_cast<std::chrono::milliseconds>(a.idle_for)
                          : std::chrono::duration_cast<std::chrono::milliseconds>(a.poll_every);
    auto idled = co_await session.idle(wait);
    if (!idled)
      co_return idled.error();
  }
}

}  // namespace relais::daemon
