// Signed inbound webhooks, POST /hooks/NAME ([hooks.NAME]): another system of the organisation
// submits a publication request, asks for a takedown, or decides for a referent, with the same
// effects as the mail, the form or the link would have.
//
// The call: a JSON body valid against schemas/hooks/KIND.schema.json (served under /schemas/),
// signed as connectors/webhook/signature.hpp says (X-Relais-Timestamp, X-Relais-Signature:
// sha256=HMAC-SHA256(secret, timestamp "." body)), within five minutes of relais's clock.
// Media come as base64 or as URLs relais fetches (hosts the hook allows, never an internal
// address unless allowed, size-, type- and time-limited).
//
// The answer: 202 {"reference", "state"} once committed; the same call sent again (same
// Idempotency-Key header or idempotency_key field, else the same body) gets that answer again
// and creates nothing. Otherwise {"error": {"status", "code", "field"?, "message"}}: 400 (not
// JSON), 401 (signature, timestamp), 404 (no such hook, or no such request), 405, 409 (a
// replayed signature; a decision the request's state refuses), 413 (a file too large), 415,
// 422 (the body breaks the schema, or a field is refused: the pointer names it), 502 (a media
// URL could not be fetched), 503 (store busy: nothing was changed, send again).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "daemon/http_server.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

boost::asio::awaitable<HttpResponse> route_hook(Services& s, std::string name,
                                                const HttpRequest& req);

// GET /schemas/PATH: the JSON Schemas built into relais.
HttpResponse schema_file(std::string_view path);

// `base` plus the larger body a hook with base64 media needs.
BodyLimits with_hook_limits(BodyLimits base, Services& s);

}  // namespace relais::daemon
