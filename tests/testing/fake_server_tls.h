// How a fake OTLP server (gRPC or HTTP) secures its port, with the test certificate of
// tests/testing/test_certificate.h.
#pragma once

namespace weir::testing {

enum class FakeServerTls {
  kNone,    // plaintext
  kServer,  // TLS with the test certificate (valid for localhost and 127.0.0.1)
  kMutual,  // as kServer, and the client must present a certificate signed by it
};

}  // namespace weir::testing
