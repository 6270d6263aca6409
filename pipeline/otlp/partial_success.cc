#include "pipeline/otlp/partial_success.h"

#include <string_view>

#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"

namespace weir::otlp {

int64_t ReportPartialSuccess(absl::string_view body, ResponseEncoding encoding, size_t sent_spans,
                             const ResponseSource& source, log::RateLimited& log) {
  ExportResponse response;
  bool parsed = encoding == ResponseEncoding::kJson
                    ? ParseResponseJson(std::string_view(body.data(), body.size()), &response).ok()
                    : response.ParseFromArray(body.data(), static_cast<int>(body.size()));
  if (!parsed) {
    log.Warn(source.component, "%s: %s answered %s that does not parse", source.exporter_id,
             source.destination, source.unparsable_answer);
    return 0;
  }
  const auto& partial = response.partial_success();
  if (partial.rejected_spans() > 0) {
    log.Warn(source.component, "%s: %s rejected %d of %d spans: %s", source.exporter_id,
             source.destination, partial.rejected_spans(), sent_spans, partial.error_message());
  }
  return partial.rejected_spans();
}

}  // namespace weir::otlp
