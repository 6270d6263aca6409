// A self-signed certificate for TLS tests: its own CA, valid for "localhost" and 127.0.0.1,
// generated once per process with OpenSSL, as PEM strings and as files.
#pragma once

#include <string>

namespace weir::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
  std::string key_file;
};

const TestCertificate& SelfSignedCertificate();

}  // namespace weir::testing
