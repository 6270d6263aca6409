#include "pipeline/net/tls.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "boost/asio/ssl/context.hpp"

namespace weir::net {

namespace ssl = boost::asio::ssl;

absl::StatusOr<std::shared_ptr<ssl::context>> MakeServerTlsContext(
    const config::TlsServerConfig& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  if (tls.min_version == "1.3") {
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  } else {
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(tls.cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.cert_file \"", tls.cert_file, "\": ", ec.message()));
  }
  ctx->use_private_key_file(tls.key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.key_file \"", tls.key_file, "\": ", ec.message()));
  }
  if (!tls.client_ca_file.empty()) {
    ctx->load_verify_file(tls.client_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.client_ca_file \"", tls.client_ca_file, "\": ", ec.message()));
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

absl::StatusOr<std::shared_ptr<ssl::context>> MakeClientTlsContext(
    const config::TlsClientConfig& tls) {
  try {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    // TLS 1.2 or later, as otelcol's default min_version.
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1,
                         ec);
    if (tls.insecure_skip_verify) {
      context->set_verify_mode(ssl::verify_none, ec);
    } else {
      context->set_verify_mode(ssl::verify_peer, ec);
      if (!tls.ca_file.empty()) {
        context->load_verify_file(tls.ca_file, ec);
        if (ec) {
          return absl::FailedPreconditionError(
              absl::StrCat("cannot load tls.ca_file \"", tls.ca_file, "\": ", ec.message()));
        }
      } else {
        context->set_default_verify_paths(ec);
      }
    }
    if (!tls.cert_file.empty()) {
      context->use_certificate_chain_file(tls.cert_file, ec);
      if (ec) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot load tls.cert_file \"", tls.cert_file, "\": ", ec.message()));
      }
      context->use_private_key_file(tls.key_file, ssl::context::pem, ec);
      if (ec) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot load tls.key_file \"", tls.key_file, "\": ", ec.message()));
      }
    }
    return context;
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(absl::StrCat("cannot set up TLS: ", e.what()));
  }
}

}  // namespace weir::net
