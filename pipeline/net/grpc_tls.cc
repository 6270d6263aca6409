#include "pipeline/net/grpc_tls.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace weir::net {
namespace {

struct TlsFiles {
  std::string ca;
  std::string cert;
  std::string key;
};

absl::StatusOr<TlsFiles> ReadTlsFiles(const config::TlsClientConfig& tls) {
  TlsFiles files;
  for (auto [path, out] : {std::pair<const std::string*, std::string*>{&tls.ca_file, &files.ca},
                           {&tls.cert_file, &files.cert},
                           {&tls.key_file, &files.key}}) {
    if (!path->empty() && !config::ReadWholeFile(*path, out)) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read \"", *path, "\""));
    }
  }
  return files;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeGrpcServerCredentials(
    const config::TlsServerConfig& tls) {
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!config::ReadWholeFile(tls.key_file, &pair.private_key) ||
      !config::ReadWholeFile(tls.cert_file, &pair.cert_chain)) {
    return absl::InvalidArgumentError("grpc: cannot read tls.cert_file or tls.key_file");
  }
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    if (!config::ReadWholeFile(tls.client_ca_file, &options.pem_root_certs)) {
      return absl::InvalidArgumentError("grpc: cannot read tls.client_ca_file");
    }
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeGrpcChannelCredentials(
    const config::TlsClientConfig& tls) {
  absl::StatusOr<TlsFiles> files = ReadTlsFiles(tls);
  if (!files.ok()) return files.status();
  if (!tls.insecure_skip_verify) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = files->ca;  // empty: gRPC's default roots
    options.pem_private_key = files->key;
    options.pem_cert_chain = files->cert;
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(options);
    if (credentials == nullptr) {
      return absl::FailedPreconditionError("cannot create TLS credentials");
    }
    return credentials;
  }
  // Skipping verification needs the TLS credentials API: no peer check, no host check.
  namespace exp = grpc::experimental;
  exp::TlsChannelCredentialsOptions options;
  if (!files->cert.empty()) {
    options.set_certificate_provider(std::make_shared<exp::StaticDataCertificateProvider>(
        std::vector<exp::IdentityKeyCertPair>{{files->key, files->cert}}));
    options.watch_identity_key_cert_pairs();
  }
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(std::make_shared<exp::NoOpCertificateVerifier>());
  std::shared_ptr<grpc::ChannelCredentials> credentials = exp::TlsCredentials(options);
  if (credentials == nullptr) {
    return absl::FailedPreconditionError("cannot create TLS credentials");
  }
  return credentials;
}

}  // namespace weir::net
