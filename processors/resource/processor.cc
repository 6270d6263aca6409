#include "processors/resource/processor.h"

namespace weir::processors::resource {

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  namespace transform = pipeline::transform;
  absl::Status status = batch.EditResources([&](pipeline::ResourceEditor& e) {
    transform::WirePlan plan = transform::PlanOnWire(
        config_.actions, [&](auto fn) { e.resource().ForEachAttribute(fn); }, context);
    if (plan.kind == transform::WirePlan::kUnchanged) return;
    transform::ApplyActions(config_.actions, e.mutable_resource()->mutable_attributes(), context);
  });
  if (!status.ok()) return status;
  return next_.ConsumeTraces(context, std::move(batch));
}

}  // namespace weir::processors::resource
