// Factory of the `weir_admin` extension (see weir_admin.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "extensions/weir_admin/config.h"
#include "extensions/weir_admin/weir_admin.h"
#include "pipeline/factory_template.h"

namespace weir::extensions::weir_admin {

using Factory = pipeline::ExtensionFactoryFor<"weir_admin", Config, DecodeConfig, WeirAdmin>;

}  // namespace weir::extensions::weir_admin
