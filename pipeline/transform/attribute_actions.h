// Attribute actions as otelcol's attributes and resource processors run them: insert, update,
// upsert, delete, hash, extract and convert, in config order on one attribute list. Values come
// from `value` (any YAML value), `from_attribute` (the same list), `from_context` (the request:
// `client.address`, `metadata.<key>` — a header or gRPC metadata entry the receiver kept with
// include_metadata —, or a bare metadata key) or `default_value` when the source has nothing.
//
// Each list is read on the wire first (PlanOnWire): most lists need no change, and the common
// change — a value inserted under a key the list does not have — is encoded straight into the
// bytes. Anything else is applied to the decoded list (Apply).
//
// Threading: immutable after ReadActions; safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "config/node.h"
#include "pipeline/otlp/types.h"
#include "pipeline/request_context.h"
#include "pipeline/span_view.h"
#include "re2/re2.h"

namespace weir::pipeline::transform {

enum class ActionType { kInsert, kUpdate, kUpsert, kDelete, kHash, kExtract, kConvert };
enum class ConvertTo { kInt, kDouble, kString };

struct AttributeAction {
  ActionType type = ActionType::kInsert;
  std::string key;
  std::optional<otlp::AnyValue> value;
  std::string from_attribute;
  std::string from_context;
  std::optional<otlp::AnyValue> default_value;
  std::shared_ptr<const RE2> pattern;  // delete/hash: keys to match; extract: the value regex
  ConvertTo converted_type = ConvertTo::kString;
};

// Reads the action list under `key` of `node` (`actions` for the attributes processor,
// `attributes` for resource), reporting each problem at its path, e.g.
// `processors.attributes.actions[1].action: unknown action "add"`. `required` reports an
// empty or missing list.
std::vector<AttributeAction> ReadActions(config::Node& node, absl::string_view key,
                                         bool required = true);

// A YAML value as an attribute value: quoted scalars are strings; plain scalars are bools,
// integers, doubles or strings as YAML reads them; sequences arrays, mappings maps.
otlp::AnyValue YamlToAnyValue(const YAML::Node& node);

// Runs the actions on a decoded list. Returns whether anything changed.
bool ApplyActions(const std::vector<AttributeAction>& actions,
                  google::protobuf::RepeatedPtrField<otlp::KeyValue>* list,
                  const RequestContext& context);

// What the actions would do to a list, read on the wire.
struct WirePlan {
  enum Kind { kUnchanged, kInsert, kDecode } kind = kUnchanged;
  // kInsert: encoded KeyValues to add to the list, in order.
  std::vector<otlp::KeyValue> inserts;
};
// `for_each(fn)` calls fn(key, const AttributeValue&) for every entry of the list.
WirePlan PlanOnWire(
    const std::vector<AttributeAction>& actions,
    absl::FunctionRef<void(absl::FunctionRef<void(absl::string_view, const AttributeValue&)>)>
        for_each,
    const RequestContext& context);

// The span body `span` with `inserts` added as attributes (field 9), placed before the first
// field numbered above 9 so a canonical encoding stays canonical.
std::string InsertSpanAttributes(absl::string_view span,
                                 const std::vector<otlp::KeyValue>& inserts);

// The value `from_context` names in the request, or nullopt: client.address; metadata.<key>
// and bare keys (every value of the key joined with ";").
std::optional<std::string> ContextValue(const RequestContext& context, absl::string_view name);

}  // namespace weir::pipeline::transform
