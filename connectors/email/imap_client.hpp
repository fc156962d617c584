// An IMAP4rev1 client session on Boost.Asio coroutines: implicit TLS or STARTTLS (the server's
// certificate and name verified against the system store plus an optional CA file), plain
// only to a loopback host; AUTHENTICATE PLAIN or LOGIN with a password, or XOAUTH2 with a
// bearer token; SELECT, UID SEARCH, UID FETCH, MOVE (or COPY + \Deleted + UID EXPUNGE, or a
// flag where neither exists), CREATE, and IDLE that returns when new mail arrives.
//
// One command at a time, every wait bounded by a time-out. Errors (relais::Error):
//   transient     - connection, time-out, the server closing (BYE) or refusing for now;
//   permanent     - the credentials are refused, the certificate cannot be trusted, the
//                   mailbox does not exist: nothing will change until someone acts;
//   invalid_input - a password or address that IMAP cannot carry.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/email/imap_protocol.hpp"
#include "workflow/result.hpp"

namespace relais::connectors::email {

enum class ImapTls { implicit, starttls, none };

struct ImapOptions {
  std::string host;
  std::uint16_t port = 993;
  ImapTls tls = ImapTls::implicit;
  std::string extra_ca_file;  // PEM CAs trusted besides the system store
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(15)};
  std::chrono::milliseconds command_timeout{std::chrono::seconds(60)};
  std::size_t max_message_bytes = 25 * 1024 * 1024;
};

struct SelectedMailbox {
  std::uint32_t uid_validity = 0;
  std::uint32_t uid_next = 0;  // 0 when the server did not say
  std::uint32_t exists = 0;
};

struct ImapMessage {
  std::uint32_t uid = 0;
  std::uint64_t size = 0;            // as the server says (Exchange may only estimate it)
  std::optional<std::string> bytes;  // nullopt when larger than max_message_bytes (not kept)
};

enum class IdleEnd { new_mail, timed_out };

class ImapSession {
 public:
  // Connects, reads the greeting, and (STARTTLS) secures the connection.
  static boost::asio::awaitable<Result<std::unique_ptr<ImapSession>>> open(
      boost::asio::any_io_executor ex, ImapOptions options);
  ~ImapSession();
  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  boost::asio::awaitable<Result<void>> login(std::string user, std::string password);
  boost::asio::awaitable<Result<void>> login_xoauth2(std::string user, std::string access_token);

  bool has_capability(std::string_view name) const;

  boost::asio::awaitable<Result<SelectedMailbox>> select(std::string mailbox);
  // Creates the mailbox; one that exists already is not an error.
  boost::asio::awaitable<Result<void>> create(std::string mailbox);
  // The UIDs from `first` upwards (in the selected mailbox), ascending.
  boost::asio::awaitable<Result<std::vector<std::uint32_t>>> uids_from(std::uint32_t first);
  boost::asio::awaitable<Result<ImapMessage>> fetch(std::uint32_t uid);
  // Moves the message out of the selected mailbox: MOVE; else COPY, \Deleted and UID
  // EXPUNGE (UIDPLUS); else, where the message cannot leave, flags it \Flagged and \Seen.
  boost::asio::awaitable<Result<void>> move(std::uint32_t uid, std::string mailbox);
  // Marks the message \Flagged and \Seen, where it stays.
  boost::asio::awaitable<Result<void>> flag(std::uint32_t uid);
  // IDLE until the server tells of new mail or `at_most` passes (then DONE). Where the server
  // has no IDLE, a NOOP after waiting `at_most` instead.
  boost::asio::awaitable<Result<IdleEnd>> idle(std::chrono::milliseconds at_most);
  boost::asio::awaitable<void> logout();
  // Closes the connection at once: a pending command or IDLE ends with an error.
  void close();

  struct Connection;

 private:
  explicit ImapSession(std::shared_ptr<Connection> c);
  // Shared with the IDLE timer's handler, which may run after the session is gone.
  std::shared_ptr<Connection> c_;
};

// The XOAUTH2 initial response (Google's and Microsoft's SASL mechanism), base64-encoded:
// "user=" user ^A "auth=Bearer " token ^A ^A.
std::string xoauth2_initial_response(std::string_view user, std::string_view access_token);

}  // namespace relais::connectors::email
