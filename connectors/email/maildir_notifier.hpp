// A Notifier that delivers into a local Maildir (the embedded default: var/outbox/), so that a
// person can read what relais would have sent. Disk errors are transient; a malformed mail
// (no recipient, a line break in an address or id) is invalid_input.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "connectors/connector.hpp"

namespace relais::connectors::email {

class MaildirNotifier : public Notifier {
 public:
  // Creates DIR, DIR/tmp, DIR/new and DIR/cur when missing (mode 0700); fails when it cannot.
  static Result<std::unique_ptr<MaildirNotifier>> open(std::filesystem::path dir);

  // Does not touch the disk; send() creates the directories when missing.
  explicit MaildirNotifier(std::filesystem::path dir);

  // Writes tmp/NAME, fsyncs it, renames it into new/, fsyncs new/. NAME follows the Maildir
  // convention "SECONDS.MMICROSPPIDQSEQ.HOST" followed by ",H=" and a hash of the Message-ID;
  // a message whose hash is already in new/ or cur/ is not written again (at-least-once callers).
  // The file starts with Return-Path, one Delivered-To per recipient and X-Relais-Envelope-To (all
  // recipients), then the message with LF line endings, as Maildir readers expect.
  Result<void> send(const OutgoingMail& mail) override;

  // True when a message with this Message-ID is in new/ or cur/.
  bool delivered(std::string_view message_id) const;

  // ",H=" + 32 hex digits of SHA-256(message_id): the part of a file name that identifies it.
  static std::string message_id_tag(std::string_view message_id);

  const std::filesystem::path& directory() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string host_;
  std::atomic<unsigned long> sequence_{0};
  std::mutex mutex_;  // one delivery at a time, so that the duplicate check holds
};

}  // namespace relais::connectors::email
