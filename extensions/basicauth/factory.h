// Factory of the `basicauth` extension (see basicauth.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "extensions/basicauth/basicauth.h"
#include "extensions/basicauth/config.h"
#include "pipeline/factory_template.h"

namespace weir::extensions::basicauth {

using Factory = pipeline::ExtensionFactoryFor<"basicauth", Config, DecodeConfig, BasicAuth>;

}  // namespace weir::extensions::basicauth
