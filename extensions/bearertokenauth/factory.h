// Factory of the `bearertokenauth` extension (see bearertokenauth.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "extensions/bearertokenauth/bearertokenauth.h"
#include "extensions/bearertokenauth/config.h"
#include "pipeline/factory_template.h"

namespace weir::extensions::bearertokenauth {

using Factory =
    pipeline::ExtensionFactoryFor<"bearertokenauth", Config, DecodeConfig, BearerTokenAuth>;

}  // namespace weir::extensions::bearertokenauth
