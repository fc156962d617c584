// The `webhook` channel: each published and removed post is a signed JSON event POSTed to the
// organisation's own endpoint (an intranet CMS, a scheduling tool). The body follows
// schemas/webhook-event.schema.json; the signature is described in signature.hpp.
//
//   published  the post: text, title, author, publication time, and each photo or video inline
//              (base64) with its type, SHA-256 and alt text; the receiver may answer 2xx with
//              {"id": "...", "url": "..."} to name its copy (else the post key is the id);
//   removed    the id of the copy to take down (the receiver's id, or the post key);
//   ping       sent by `relaisctl channel test`; answered 2xx when the secret matches.
// Every event carries a `delivery` id that is the same on each retry of that event: the
// receiver must treat a repeated delivery as already done (this is how a lost answer is
// reconciled, since the endpoint has no list to look in).
//
// Errors: 401/403 (signature refused) and other 4xx are permanent, with the start of the
// receiver's answer; 404/410 to `removed` mean already gone; 429 and 5xx are transient with
// the wait asked (Retry-After); redirects are not followed.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/http/http_client.hpp"

namespace relais::connectors::webhook {

struct WebhookOptions {
  std::string url;     // https://cms.intra.example/relais (http:// on loopback only)
  std::string secret;  // read from secret_file by the daemon; never logged
  std::size_t max_inline_bytes = 50 * 1024 * 1024;  // media bytes inlined in one event
};

class WebhookPublisher : public Publisher {
 public:
  WebhookPublisher(WebhookOptions options, std::shared_ptr<http::Client> client);

  std::string_view type() const override { return "webhook"; }
  Result<PostRef> create(const Post& post) override;
  Result<void> remove(const PostRef& ref) override;
  // Always nullopt: the endpoint keeps no list relais could read, and the delivery id makes
  // sending `published` again harmless.
  Result<std::optional<PostRef>> find(const Post& post) override;
  bool can_find() const override { return false; }
  Result<std::string> check() override;

 private:
  Result<http::Response> deliver(const std::string& event, const std::string& delivery,
                                 const std::string& body);

  WebhookOptions options_;
  std::shared_ptr<http::Client> client_;
};

}  // namespace relais::connectors::webhook
