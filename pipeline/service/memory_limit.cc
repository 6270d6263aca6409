#include "pipeline/service/memory_limit.h"

#include <algorithm>

#include "pipeline/memory_budget.h"

namespace weir::service {

size_t DefaultMemoryLimitBytes(size_t available) {
  return std::clamp(available / 4, size_t{32} << 20, size_t{1} << 30);
}

void ExportMemoryMetrics(telemetry::Telemetry& telemetry) {
  auto& registry = telemetry.registry();
  auto gauge = [&](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  };
  prometheus::Gauge* limit =
      gauge("weir_memory_limit_bytes",
            "The memory budget: bytes of spans held above which receivers refuse data");
  prometheus::Gauge* used =
      gauge("weir_memory_used_bytes", "Bytes of spans held (requests, batches, queues, buffers)");
  prometheus::Gauge* peak = gauge("weir_memory_peak_bytes", "The largest weir_memory_used_bytes");
  telemetry.OnScrape([limit, used, peak] {
    const pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
    limit->Set(static_cast<double>(budget.limit()));
    used->Set(static_cast<double>(budget.used()));
    peak->Set(static_cast<double>(budget.peak()));
  });
}

}  // namespace weir::service
