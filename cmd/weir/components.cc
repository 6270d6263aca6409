#include "cmd/weir/components.h"

#include "exporters/debug/factory.h"
#include "exporters/file/factory.h"
#include "exporters/jaeger/factory.h"
#include "exporters/nop/factory.h"
#include "exporters/otlp/factory.h"
#include "exporters/otlphttp/factory.h"
#include "exporters/zipkin/factory.h"
#include "extensions/basicauth/factory.h"
#include "extensions/bearertokenauth/factory.h"
#include "extensions/health_check/factory.h"
#include "extensions/weir_admin/factory.h"
#include "processors/attributes/factory.h"
#include "processors/batch/factory.h"
#include "processors/filter/factory.h"
#include "processors/memory_limiter/factory.h"
#include "processors/probabilistic_sampler/factory.h"
#include "processors/redaction/factory.h"
#include "processors/resource/factory.h"
#include "processors/tail_sampling/factory.h"
#include "receivers/jaeger/factory.h"
#include "receivers/otlp/factory.h"
#include "receivers/zipkin/factory.h"

namespace weir {

absl::StatusOr<std::unique_ptr<pipeline::Registry>> Components() {
  auto registry = std::make_unique<pipeline::Registry>();
  for (absl::Status s : {
           registry->Add(std::make_unique<receivers::otlp::Factory>()),
           registry->Add(std::make_unique<receivers::jaeger::Factory>()),
           registry->Add(std::make_unique<receivers::zipkin::Factory>()),
           registry->Add(std::make_unique<processors::batch::Factory>()),
           registry->Add(std::make_unique<processors::memory_limiter::Factory>()),
           registry->Add(std::make_unique<processors::tail_sampling::Factory>()),
           registry->Add(std::make_unique<processors::probabilistic_sampler::Factory>()),
           registry->Add(std::make_unique<processors::redaction::Factory>()),
           registry->Add(std::make_unique<processors::attributes::Factory>()),
           registry->Add(std::make_unique<processors::resource::Factory>()),
           registry->Add(std::make_unique<processors::filter::Factory>()),
           registry->Add(std::make_unique<exporters::debug::Factory>()),
           registry->Add(std::make_unique<exporters::file::Factory>()),
           registry->Add(std::make_unique<exporters::nop::Factory>()),
           registry->Add(std::make_unique<exporters::otlp::Factory>()),
           registry->Add(std::make_unique<exporters::otlphttp::Factory>()),
           registry->Add(std::make_unique<exporters::jaeger::Factory>()),
           registry->Add(std::make_unique<exporters::zipkin::Factory>()),
           registry->Add(std::make_unique<extensions::health_check::Factory>()),
           registry->Add(std::make_unique<extensions::weir_admin::Factory>()),
           registry->Add(std::make_unique<extensions::bearertokenauth::Factory>()),
           registry->Add(std::make_unique<extensions::basicauth::Factory>()),
       }) {
    if (!s.ok()) return s;
  }
  return registry;
}

}  // namespace weir
