// The TLS client settings every outgoing connection of relais uses (HTTPS, IMAP): TLS 1.2 or
// newer, the peer's certificate verified against the system store plus an optional CA file,
// its name checked, and SNI sent for names (not for IP addresses).
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/system/error_code.hpp>

#include <string>

#include "workflow/result.hpp"

namespace relais::connectors::http {

// Sets `context` up for a client; permanent error when the trusted certificates cannot be read.
Result<void> configure_client_tls(boost::asio::ssl::context& context,
                                  const std::string& extra_ca_file);

// Sends `host` as SNI unless it is an IP address; false when OpenSSL refuses.
bool send_server_name(SSL* ssl, const std::string& host);

// Names the peer expected on a TLS stream: SNI, and the name its certificate must carry.
// `host` is without a fully qualified name's final dot.
template <typename SslStream>
bool expect_peer(SslStream& stream, const std::string& host) {
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return send_server_name(stream.native_handle(), host);
}

// Whether a failed handshake means the peer's certificate was not trusted.
bool certificate_refused(const boost::system::error_code& ec);

}  // namespace relais::connectors::http
