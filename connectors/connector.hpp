// The narrow interfaces every connector implements, and their error contract.
//
// Every call here is blocking and runs on the worker pool, never on the I/O thread.
// Errors (relais::Error):
//   transient     - retrying later may succeed (network error, 5xx, 429, rate limit); the
//                   outbox retries with backoff, honouring retry_after when set.
//   permanent     - retrying cannot succeed (4xx other than 429, refused content); the
//                   channel or mail is marked failed and a person is told.
//   invalid_input - what relais handed over is wrong (a bug or bad data); treated as permanent.
//   unsupported   - the connector does not offer this operation (e.g. deleting a mail).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors {

// A fully built RFC 5322 message and its SMTP envelope.
struct OutgoingMail {
  std::string envelope_from;            // may be empty: the null sender "<>"
  std::vector<std::string> recipients;  // addr-specs, already validated
  std::string message_id;               // without angle brackets; equal to the Message-ID header
  std::string data;                     // headers + body, CRLF line endings, no dot-stuffing
};

// Sends one message. Must be idempotent enough for at-least-once delivery: the caller may call
// again with the same message_id after a crash.
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual Result<void> send(const OutgoingMail& mail) = 0;
};

struct MediaFile {
  std::filesystem::path path;  // content-addressed file in the store; read-only
  std::string content_type;    // "image/jpeg", ...
  std::string sha256;          // hex
  std::string alt;             // alternative text for accessibility (may be empty)
};

struct Post {
  std::string idempotency_key;  // same across retries of one post (request id + channel)
  std::string reference;        // "PUB-2026-0042"
  std::string title;            // the mail subject, cleaned
  std::string text;             // body text as approved
  std::string author;           // photo credit; may be empty
  std::vector<MediaFile> media;
  std::chrono::system_clock::time_point published_at;
  // Nothing made before this can be this post (its publication became due then, less a margin
  // for the networks' clocks): find() passes over older posts with the same words.
  std::chrono::system_clock::time_point not_before{};
};

struct PostRef {
  std::string id;   // the network's id for the post
  std::string url;  // public URL of the post
};

// Publishes to one channel instance ([channels.NAME]).
//
// Exactly once: a create whose outcome is unknown (Error::outcome_unknown, or a crash between
// the call and the commit) is never simply tried again. The dispatcher first calls find(),
// which looks on the network for the post that call may have made; only when find() says
// "none" (nullopt) is create() called again.
class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual std::string_view type() const = 0;
  // Creates the post. A second call with the same idempotency_key must not create a second
  // post where the network allows that to be known (return the first one's PostRef).
  virtual Result<PostRef> create(const Post& post) = 0;
  // Removes the post and its media. Removing what is already gone succeeds.
  virtual Result<void> remove(const PostRef& ref) = 0;
  // The post an earlier create(post) made, looked up among the account's recent posts (by
  // its exact text, or the network's idempotency key); nullopt when there is none.
  virtual Result<std::optional<PostRef>> find(const Post& post) = 0;
  // Whether find() can see the network at all. A channel that cannot (a webhook: the receiver
  // keeps no list relais could read) relies on its own idempotency instead: a create is sent
  // again as is, and a removal names the post by its idempotency key.
  virtual bool can_find() const { return true; }
  // Checks the credentials and the account without posting anything, for `relaisctl channel
  // test`: one sentence saying what was found ("posts as @mairie on social.example").
  virtual Result<std::string> check() = 0;
  // When the credentials stop working, where the network says so (LinkedIn's 60-day
  // tokens); the referent is warned 14, 7 and 1 days before.
  virtual std::optional<std::chrono::system_clock::time_point> credentials_expire_at() const {
    return std::nullopt;
  }
};

}  // namespace relais::connectors
