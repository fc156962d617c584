// Wiring happens here and only here (STYLE: one explicit registry, no static registration).
#include "daemon/app.hpp"

#include "connectors/http/oauth2_token.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <sstream>

#include "connectors/email/maildir_notifier.hpp"
#include "connectors/email/smtp_client_notifier.hpp"
#include "connectors/email/smtp_server.hpp"
#include "daemon/api.hpp"
#include "daemon/approval_pages.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/hooks.hpp"
#include "daemon/http_server.hpp"
#include "daemon/imap_ingest.hpp"
#include "daemon/intake.hpp"
#include "daemon/local_time.hpp"
#include "daemon/policy_from_config.hpp"
#include "daemon/publishers.hpp"
#include "daemon/retention_task.hpp"
#include "daemon/routes.hpp"
#include "daemon/secret_file.hpp"
#include "daemon/takedown_form.hpp"
#include "workflow/approval_token.hpp"
#include "workflow/ascii.hpp"
#include "workflow/image_pipeline.hpp"
#include "workflow/sha256.hpp"

namespace relais::daemon {
namespace asio = boost::asio;
namespace fs = std::filesystem;

workflow::Store& Readers::store() {
  thread_local std::unique_ptr<workflow::Store> store;
  if (!store)
    store = std::make_unique<workflow::Store>(db_, workflow::Database::Mode::read_only);
  return *store;
}

namespace {

// The HMAC key for CSRF fields: from the configured file, or generated once under state_dir.
Result<std::string> token_key(const Config& cfg) {
  if (!cfg.security.token_key_file.empty()) {
    auto key = read_secret(cfg.security.token_key_file);
    if (!key || key->size() < 16) {
      return permanent(fmt::format("security.token_key_file: cannot read at least 16 bytes from {}",
                                   cfg.security.token_key_file));
    }
    return *key;
  }
  const fs::path file = fs::path(cfg.general.state_dir) / "secrets" / "token.key";
  if (auto key = read_secret(file); key && key->size() >= 16)
    return *key;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  ::chmod(file.parent_path().c_str(), 0700);
  const std::string key = workflow::to_hex(workflow::random_token_bytes());
  const mode_t old = ::umask(0077);
  auto written = workflow::write_file_durably(file, key);
  ::umask(old);
  if (!written)
    return written.error();
  return key;
}

Result<std::unique_ptr<connectors::Notifier>> make_notifier(const Config& cfg) {
  if (cfg.relay.host.empty()) {
    auto m = connectors::email::MaildirNotifier::open(fs::path(cfg.general.state_dir) / "outbox");
    if (!m)
      return m.error();
    return std::unique_ptr<connectors::Notifier>(std::move(*m));
  }
  connectors::email::SmtpClientOptions o;
  o.host = cfg.relay.host;
  o.port = static_cast<std::uint16_t>(cfg.relay.port);
  o.tls = connectors::email::parse_smtp_tls(cfg.relay.tls)
              .value_or(connectors::email::SmtpTls::starttls);
  o.username = cfg.relay.username;
  if (!cfg.relay.oauth2_refresh_token_file.empty()) {
    connectors::http::ClientOptions http_options;
    connectors::http::proxy_from_environment(http_options);
    std::string secret;
    if (!cfg.relay.oauth2_client_secret_file.empty()) {
      auto read = read_secret(cfg.relay.oauth2_client_secret_file);
      if (!read)
        return permanent("mail.relay.oauth2_client_secret_file: cannot read " +
                         cfg.relay.oauth2_client_secret_file);
      secret = *read;
    }
    auto tokens = std::make_shared<connectors::http::TokenStore>(
        connectors::http::TokenOptions{cfg.relay.oauth2_token_url, cfg.relay.oauth2_client_id,
                                       secret, cfg.relay.oauth2_refresh_token_file,
                                       cfg.relay.oauth2_scope, "The identity provider"},
        std::make_shared<connectors::http::Client>(std::move(http_options)));
    o.bearer = [tokens](const std::string& refused) {
      return refused.empty() ? tokens->access_token() : tokens->renewed_after(refused);
    };
  } else if (!cfg.relay.password_file.empty()) {
    auto pw = read_secret(cfg.relay.password_file);
    if (!pw)
      return permanent("mail.relay.password_file: cannot read " + cfg.relay.password_file);
    o.password = *pw;
  }
  o.total_timeout = std::chrono::seconds(cfg.relay.timeout_seconds);
  auto c = connectors::email::SmtpClientNotifier::create(std::move(o));
  if (!c)
    return c.error();
  return std::unique_ptr<connectors::Notifier>(std::move(*c));
}

std::string site_dir_of(const Config& cfg) {
  for (const auto& ch : cfg.channels) {
    if (ch.type == "site") {
      auto it = ch.settings.find("dir");
      if (it != ch.settings.end())
        return it->second;
    }
  }
  return fs::path(cfg.general.state_dir) / "site";
}

bool recipient_accepted(const Config& cfg, std::string_view address) {
  return iequals(cfg.mail.submission_address, address) ||
         iequals(cfg.mail.takedown_address, address);
}

}  // namespace

int run_daemon(const Config& cfg) {
  set_local_zone(cfg.general.timezone);
  const fs::path state = cfg.general.state_dir;
  std::error_code ec;
  fs::create_directories(state, ec);
  if (ec) {
    spdlog::critical("cannot create state directory {}: {}", state.string(), ec.message());
    return 1;
  }
  auto key = token_key(cfg);
  if (!key) {
    spdlog::critical("{}", key.error().message);
    return 1;
  }
  auto templates = connectors::TemplateSet::load(cfg.general.templates_dir);
  if (!templates) {
    spdlog::critical("general.templates_dir: {}", templates.error().message);
    return 1;
  }
  auto notifier = make_notifier(cfg);
  if (!notifier) {
    spdlog::critical("{}", notifier.error().message);
    return 1;
  }
  std::map<std::string, std::unique_ptr<connectors::Publisher>> publishers;
  if (auto r = make_publishers(cfg, publishers); !r) {
    spdlog::critical("{}", r.error().message);
    return 1;
  }

  std::unique_ptr<Writer> writer;
  try {
    writer = std::make_unique<Writer>(state / "relais.db");
  } catch (const std::exception& e) {
    spdlog::critical("cannot open the store {}: {}", (state / "relais.db").string(), e.what());
    return 1;
  }
  Readers readers(state / "relais.db");
  try {
    workflow::init_image_library();  // once, before the pool's threads race to do it
  } catch (const std::exception& e) {
    spdlog::critical("cannot start the image library: {}", e.what());
    return 1;
  }
  auto checks = load_check_setup(cfg);
  if (!checks) {
    spdlog::critical("{}", checks.error().message);
    return 1;
  }
  auto working_time = WorkingTime::from_config(cfg);
  if (!working_time) {
    spdlog::critical("working_hours: {}", working_time.error().message);
    return 1;
  }
  workflow::Engine engine(make_policy(cfg));
  workflow::CaseDesk cases(engine, make_case_settings(cfg));
  Metrics metrics;
  asio::io_context io(1);
  asio::thread_pool pool(2);
  Services services{cfg,
                    *writer,
                    readers,
                    pool,
                    engine,
                    cases,
                    *templates,
                    workflow::BlobStore(state / "messages"),
                    workflow::BlobStore(state / "media"),
                    **notifier,
                    publishers,
                    metrics,
                    *key,
                    {},
                    {},
                    *checks,
                    *working_time};

  {
    // Files written before a crash whose rows never committed: nothing refers to them.
    auto collect = [&services](workflow::Store& store) {
      store.release_leases();  // the effects a killed process had claimed run again now
      const auto keep = store.referenced_blobs();
      auto known = [&keep](const std::string& sha) { return keep.count(sha) > 0; };
      return services.messages.collect_orphans(known) + services.media.collect_orphans(known);
    };
    const auto removed = writer->run_sync(collect);
    if (removed > 0)
      spdlog::info("orphan files collected count={}", removed);
  }

  if (!cfg.security.api_tokens_file.empty()) {
    auto tokens = ApiTokens::load(cfg.security.api_tokens_file);
    if (!tokens) {
      spdlog::critical("{}", tokens.error().message);
      return 1;
    }
    services.api_tokens = std::move(*tokens);
    spdlog::info("api enabled tokens={}", services.api_tokens.size());
  }

  Dispatcher dispatcher(services, io.get_executor());
  services.wake_dispatcher = [&dispatcher] { dispatcher.wake(); };
  Intake intake(services);
  ApprovalPages pages(services);
  HttpServer http(
      io.get_executor(), make_router(services, pages, site_dir_of(cfg)),
      with_hook_limits(with_api_limits(takedown_body_limits(services, pages), services), services));
  if (auto r = http.listen(cfg.http.listen); !r) {
    spdlog::critical("http.listen: {}", r.error().message);
    return 1;
  }
  std::vector<std::unique_ptr<connectors::email::SmtpServer>> mail_servers;
  for (const auto& [address, lmtp] :
       {std::pair{cfg.mail.smtp_listen, false}, std::pair{cfg.mail.lmtp_listen, true}}) {
    if (address.empty())
      continue;
    connectors::email::SmtpServerOptions o;
    o.lmtp = lmtp;
    o.max_message_bytes = static_cast<std::size_t>(cfg.mail.max_message_bytes);
    o.max_recipients = static_cast<std::size_t>(cfg.mail.max_recipients);
    o.accept_recipient = [&cfg](std::string_view a) { return recipient_accepted(cfg, a); };
    auto server = std::make_unique<connectors::email::SmtpServer>(
        io.get_executor(), o, [&intake](connectors::email::Envelope e, std::string raw) {
          return intake.deliver(std::move(e), std::move(raw));
        });
    if (auto r = server->listen(address); !r) {
      spdlog::critical("mail.{}_listen: {}", lmtp ? "lmtp" : "smtp", r.error().message);
      return 1;
    }
    mail_servers.push_back(std::move(server));
  }

  ImapIngest imap(services, intake, io.get_executor());
  imap.start();

  asio::co_spawn(io, dispatcher.run(), [](std::exception_ptr ep) {
    if (ep)
      spdlog::critical("dispatcher stopped unexpectedly");
  });
  RetentionTask retention(services, io.get_executor());
  asio::co_spawn(io, retention.run(), [](std::exception_ptr ep) {
    if (ep)
      spdlog::critical("retention stopped unexpectedly");
  });

  // Watchdog: ping only after a round trip through the I/O thread and the writer.
  std::uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer t(io);
          for (;;) {
            auto job0 = [](workflow::Store&) {};
            co_await writer->run(job0);
            sd_notify(0, "WATCHDOG=1");
            t.expires_after(std::chrono::microseconds(watchdog_usec / 3));
            boost::system::error_code wec;
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, wec));
          }
        },
        asio::detached);
  }

  asio::signal_set hup(io, SIGHUP);
  std::function<void()> on_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& e, int) {
      if (e)
        return;
      sd_notify(0, "RELOADING=1");
      // Reading the files is blocking I/O: it runs on the pool, never on the I/O thread.
      asio::post(pool, [&services] {
        if (auto r = services.templates.reload(); !r) {
          spdlog::error("reload failed, keeping the previous templates error=\"{}\"",
                        r.error().message);
        } else {
          spdlog::info("templates reloaded");
        }
        sd_notify(0, "READY=1");
      });
      on_hup();
    });
  };
  on_hup();

  asio::signal_set term(io, SIGTERM, SIGINT);
  term.async_wait([&](const boost::system::error_code& e, int sig) {
    if (e)
      return;
    spdlog::info("stopping signal={}", sig);
    sd_notify(0, "STOPPING=1");
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          dispatcher.stop();
          retention.stop();
          imap.stop();
          for (auto& s : mail_servers)
            co_await s->stop();
          co_await http.stop();
          asio::steady_timer t(io);
          for (int i = 0;
               i < 320 && (dispatcher.in_flight() > 0 || retention.busy() || imap.busy()); ++i) {
            t.expires_after(std::chrono::milliseconds(25));
            boost::system::error_code wec;
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, wec));
          }
          io.stop();
        },
        asio::detached);
  });

  sd_notify(0, "READY=1");
  spdlog::info("relaisd ready config={} state_dir={} http={} smtp={} lmtp={} imap_accounts={}",
               cfg.source, state.string(), cfg.http.listen, cfg.mail.smtp_listen,
               cfg.mail.lmtp_listen.empty() ? "off" : cfg.mail.lmtp_listen,
               cfg.mail.imap_accounts.size());
  io.run();
  pool.join();
  writer->stop();
  spdlog::info("relaisd stopped");
  return 0;
}

}  // namespace relais::daemon
