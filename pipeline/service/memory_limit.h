// The process memory budget's limit (service.memory_limit_mib) and its self-metrics.
//
// The budget (pipeline/memory_budget.h) counts the bytes of every span weir holds; its limit
// is where receivers start refusing. Unset, it is a quarter of the memory the process may use
// (the cgroup limit when weir runs in a container, else physical memory), at least 32 MiB and
// at most 1 GiB: the rest is for the process itself, allocator slack and what the budget does
// not count (gRPC's and the kernel's buffers).
#pragma once

#include <cstddef>

#include "pipeline/telemetry/metrics.h"

namespace weir::service {

// The budget limit when service.memory_limit_mib is not set, for `available` bytes.
size_t DefaultMemoryLimitBytes(size_t available);  // see pipeline::AvailableMemoryBytes

// Registers weir_memory_limit_bytes, weir_memory_used_bytes and weir_memory_peak_bytes, read
// from the process budget at every scrape.
void ExportMemoryMetrics(telemetry::Telemetry& telemetry);

}  // namespace weir::service
