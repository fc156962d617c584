// Mail taken from hosted mailboxes ([mail.imap] accounts): one coroutine per account keeps a
// session open, hands each new message to the intake exactly as the SMTP/LMTP listener does,
// and only once the intake has stored it (250) moves it to done_mailbox (or flags it) and
// records its UID. A crash between the commit and the move reads the message again at the
// next start, and the intake's duplicate check answers "already received": nothing is lost,
// nothing doubled. New mail is waited for with IDLE (renewed every idle_minutes), or polled
// every poll_seconds where the server has no IDLE; a failed session is opened again after
// 1 s, 2 s, 4 s... up to 5 minutes. One message never blocks the mailbox: one that cannot be
// moved is flagged and passed over; one that fails kMaxAttempts sessions in a row is left,
// flagged, for a person.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/intake.hpp"
#include "daemon/services.hpp"

namespace relais::connectors::email {
class ImapSession;
}

namespace relais::daemon {

class ImapIngest {
 public:
  ImapIngest(Services& s, Intake& intake, boost::asio::any_io_executor ex);
  ~ImapIngest();
  // Starts one coroutine per configured account.
  void start();
  // Ends the sessions (a message being stored is finished first) and the coroutines.
  void stop();
  // A message is being handed to the intake, or an account's coroutine has not ended yet.
  bool busy() const { return delivering_ > 0 || running_ > 0; }

 private:
  struct Account;
  // The coroutine owns its account: it may outlive this object until the io_context is gone.
  boost::asio::awaitable<void> run(std::shared_ptr<Account> account);
  boost::asio::awaitable<Result<void>> session(Account& account);

  Services& s_;
  Intake& intake_;
  boost::asio::any_io_executor ex_;
  std::vector<std::shared_ptr<Account>> accounts_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> delivering_{0};
  std::atomic<int> running_{0};
};

}  // namespace relais::daemon
