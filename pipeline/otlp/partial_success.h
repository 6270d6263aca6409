// What an OTLP exporter does with the ExportTraceServiceResponse its destination answered an
// accepted export with: read partial_success and, when the destination rejected spans or the
// answer does not parse, say so in the (rate-limited) log. Shared by the otlp (gRPC) and
// otlphttp exporters so both report the same way.
//
// Threading: ReportPartialSuccess is safe to call concurrently; `log` is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "pipeline/telemetry/logger.h"

namespace weir::otlp {

enum class ResponseEncoding { kProto, kJson };

// Who answered, for the log lines.
struct ResponseSource {
  absl::string_view component;    // logger component, e.g. "exporter/otlp"
  absl::string_view exporter_id;  // e.g. "otlp/backend"
  absl::string_view destination;  // endpoint or URL
  // How the answer is described when it does not parse: "<id>: <destination> answered
  // <unparsable_answer> that does not parse", e.g. "with a response" or "200 with a body".
  absl::string_view unparsable_answer;
};

// Parses `body` as an ExportTraceServiceResponse in `encoding`. Logs through `log`
// "<id>: <destination> rejected <n> of <sent_spans> spans: <error_message>" when it reports
// rejected spans, or the unparsable line above. Returns the number of rejected spans (0 when
// the body does not parse).
int64_t ReportPartialSuccess(absl::string_view body, ResponseEncoding encoding, size_t sent_spans,
                             const ResponseSource& source, log::RateLimited& log);

}  // namespace weir::otlp
