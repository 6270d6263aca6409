// FanoutConsumer: hands each batch to several consumers (the pipelines sharing a receiver, or
// the exporters of one pipeline). Every consumer but the last gets a clone; the last gets the
// original, so the common single-branch path copies nothing.
//
// A refusal from one branch does not keep the batch from the others. The result is OK when all
// accepted; otherwise the first refusal, so the sender retries (at-least-once: the branches that
// accepted may see the data again).
//
// Threading: as thread-safe as the consumers it wraps.
#pragma once

#include <vector>

#include "pipeline/consumer.h"

namespace weir::pipeline {

class FanoutConsumer final : public TracesConsumer {
 public:
  // REQUIRES: consumers non-empty; each outlives this object.
  explicit FanoutConsumer(std::vector<TracesConsumer*> consumers)
      : consumers_(std::move(consumers)) {}

  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const RequestContext& context, TraceBatch batch) override;

 private:
  std::vector<TracesConsumer*> consumers_;
};

}  // namespace weir::pipeline
