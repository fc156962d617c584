#include "connectors/http/tls_client.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/ip/address.hpp>

namespace relais::connectors::http {

namespace ssl = boost::asio::ssl;

Result<void> configure_client_tls(ssl::context& context, const std::string& extra_ca_file) {
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  context.set_default_verify_paths(ec);
  if (!ec && !extra_ca_file.empty())
    context.load_verify_file(extra_ca_file, ec);
  if (ec)
    return permanent(
        fmt::format("The trusted certificates could not be loaded ({}).", ec.message()));
  return {};
}

bool send_server_name(SSL* ssl, const std::string& host) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  return !not_ip || SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

bool certificate_refused(const boost::system::error_code& ec) {
  return ec.category() == boost::asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace relais::connectors::http
