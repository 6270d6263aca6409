// Conditions in the OpenTelemetry Transformation Language (OTTL), the boolean subset otelcol's
// filter processor and tail_sampling's ottl_condition policy use, for spans and span events:
//
//   name == "GET /health" and attributes["http.status_code"] >= 500
//   not IsMatch(resource.attributes["service.name"], "^internal-") or kind == SPAN_KIND_CLIENT
//
// Paths (span context): name, kind, status.code, status.message, trace_id, span_id,
// parent_span_id (bytes; trace_id.string etc. as hex), trace_state, start_time_unix_nano,
// end_time_unix_nano, attributes["k"], resource.attributes["k"], instrumentation_scope.name,
// instrumentation_scope.version, instrumentation_scope.attributes["k"]; each also with a
// `span.` prefix. Span-event context: name, time_unix_nano, attributes["k"] of the event, and
// span.<path>, resource.*, instrumentation_scope.*.
// Literals: strings, ints, floats, true, false, nil, bytes (0x…), lists ([…], as arguments),
// enums (SPAN_KIND_*, STATUS_CODE_*). Operators: == != < <= > >=, and, or, not, parentheses.
// Functions: IsMatch, IsString, IsInt, IsDouble, IsBool, IsMap, IsList, Len, Int, Double,
// String, Concat, Substring, HasPrefix, HasSuffix, Contains, TraceID, SpanID.
//
// Conditions are parsed and type-checked when the config is read: anything outside the subset
// is an error naming the column. Evaluation reads the span on the wire; `and` and `or` stop at
// the first operand that decides. Comparing values of different types is false (`!=` true),
// as OTTL; a function given a value it cannot use (Substring past the end) is an error, which
// the caller's error_mode turns into false or a refusal.
//
// Threading: a Condition is immutable after Parse (copies share the parsed tree); Evaluate is
// safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pipeline/span_view.h"

namespace weir::pipeline::ottl {

enum class Context { kSpan, kSpanEvent };

// One span event as read on the wire (SpanView::ForEachEvent).
struct EventView {
  absl::string_view name;
  uint64_t time_unix_nano = 0;
  absl::string_view body;  // the Event message
};

struct Node;  // the parsed expression

class Condition {
 public:
  // Parses and type-checks `text`. InvalidArgument names the problem and its column.
  static absl::StatusOr<Condition> Parse(absl::string_view text, Context context);

  const std::string& text() const { return text_; }
  Context context() const { return context_; }

  // Whether the condition holds for `span` (and, in the span-event context, `event`).
  absl::StatusOr<bool> Evaluate(const SpanView& span, const EventView* event = nullptr) const;

 private:
  Condition() = default;
  std::string text_;
  Context context_ = Context::kSpan;
  std::shared_ptr<const Node> root_;  // immutable; shared by copies
};

// error_mode of the components that run conditions.
enum class ErrorMode { kIgnore, kSilent, kPropagate };

}  // namespace weir::pipeline::ottl
