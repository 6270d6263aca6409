#include "pipeline/fanout.h"

namespace weir::pipeline {

absl::Status FanoutConsumer::ConsumeTraces(const RequestContext& context, TraceBatch batch) {
  absl::Status first_error;
  for (size_t i = 0; i < consumers_.size(); ++i) {
    bool last = i + 1 == consumers_.size();
    absl::Status s = consumers_[i]->ConsumeTraces(context, last ? std::move(batch) : batch.Clone());
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace weir::pipeline
