#include "processors/redaction/processor.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pipeline/otlp/value_string.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "processors/redaction/rules.h"

namespace weir::processors::redaction {

namespace {

using pipeline::AttributeOwner;
using pipeline::AttributeValue;
using pipeline::ValueType;

constexpr char kComponent[] = "processor/redaction";

// What happened to attributes, by outcome (the `outcome` label).
enum Outcome { kRemoved, kMasked, kHashed, kAllowed, kIgnored, kOutcomes };
constexpr const char* kOutcomeNames[kOutcomes] = {"removed", "masked", "hashed", "allowed",
                                                  "ignored"};
// Which name changed (the `field` label).
enum NameField { kSpanName, kEventName, kStatusMessage, kNameFields };
constexpr const char* kNameFieldNames[kNameFields] = {"span_name", "event_name", "status_message"};

const char* OwnerName(AttributeOwner owner) {
  switch (owner) {
    case AttributeOwner::kResource:
      return "resource";
    case AttributeOwner::kScope:
      return "scope";
    case AttributeOwner::kSpan:
      return "span";
    case AttributeOwner::kEvent:
      return "span event";
    case AttributeOwner::kLink:
      return "span link";
  }
  return "";
}

// The value as the rules read it: a string as it is; other types as their text with
// redact_all_types, "" without (as otelcol's Value.Str()).
absl::string_view WireText(const AttributeValue& v, bool all_types, std::string* scratch) {
  if (v.type == ValueType::kString) return v.bytes;
  if (!all_types) return {};
  otlp::AnyValue decoded;
  switch (v.type) {
    case ValueType::kBool:
      return v.bool_value ? "true" : "false";
    case ValueType::kInt:
      *scratch = absl::StrCat(v.int_value);
      return *scratch;
    case ValueType::kDouble:
      *scratch = otlp::FormatDouble(v.double_value);
      return *scratch;
    case ValueType::kBytes:
      *scratch = absl::Base64Escape(v.bytes);
      return *scratch;
    case ValueType::kArray:
      decoded.mutable_array_value()->ParseFromArray(v.bytes.data(),
                                                    static_cast<int>(v.bytes.size()));
      *scratch = otlp::AsString(decoded);
      return *scratch;
    case ValueType::kKvList:
      decoded.mutable_kvlist_value()->ParseFromArray(v.bytes.data(),
                                                     static_cast<int>(v.bytes.size()));
      *scratch = otlp::AsString(decoded);
      return *scratch;
    default:
      return {};
  }
}

absl::string_view DecodedText(const otlp::AnyValue& v, bool all_types, std::string* scratch) {
  if (v.value_case() == otlp::AnyValue::kStringValue) return v.string_value();
  if (!all_types) return {};
  *scratch = otlp::AsString(v);
  return *scratch;
}

// Per-batch counts, added to the counters once per batch.
struct Tally {
  explicit Tally(size_t rules) : rules(rules, 0) {}
  std::vector<uint64_t> rules;
  uint64_t outcomes[kOutcomes] = {};
  uint64_t names[kNameFields] = {};
};

// The string value of the last `field` (a length-delimited field) of `body`.
std::optional<absl::string_view> WireString(absl::string_view body, uint32_t field) {
  std::optional<absl::string_view> out;
  otlp::wire::ForEachField(
      body, [&](uint32_t f, uint32_t wire_type, absl::string_view value, absl::string_view) {
        if (f == field && wire_type == 2) out = value;
      });
  return out;
}

}  // namespace

struct Processor::State {
  State(const pipeline::Settings& settings, const Config& config, pipeline::TracesConsumer& next)
      : rules(Rules::Build(config).value()), next(next), id(settings.id.ToString()) {
    auto& registry = settings.telemetry->registry();
    auto& outcomes = prometheus::BuildCounter()
                         .Name("weir_processor_redaction_attributes")
                         .Help(
                             "Attributes the redaction processor removed, masked, hashed, "
                             "allowed or ignored (with dry_run: would have)")
                         .Register(registry);
    for (int i = 0; i < kOutcomes; ++i)
      outcome_counters[i] = &outcomes.Add({{"processor", id}, {"outcome", kOutcomeNames[i]}});
    auto& names = prometheus::BuildCounter()
                      .Name("weir_processor_redaction_names")
                      .Help(
                          "Span names, event names and status messages the redaction "
                          "processor changed (with dry_run: would have)")
                      .Register(registry);
    for (int i = 0; i < kNameFields; ++i)
      name_counters[i] = &names.Add({{"processor", id}, {"field", kNameFieldNames[i]}});
    auto& matches = prometheus::BuildCounter()
                        .Name("weir_processor_redaction_rule_matches")
                        .Help(
                            "Values, keys and names each redaction rule changed or removed "
                            "(with dry_run: would have)")
                        .Register(registry);
    for (const std::string& rule : rules->rule_names())
      rule_counters.push_back(&matches.Add({{"processor", id}, {"rule", rule}}));
  }

  const Config& config() const { return rules->config(); }
  bool summary() const { return config().summary != Summary::kSilent; }

  // The db.system of a list, lower case; empty when no database sanitizer needs it.
  template <typename ForEach>
  std::string DbSystem(ForEach&& for_each) const {
    if (!rules->NeedsDbSystem() && !config().AnyDbSanitizer()) return {};
    std::string name, system;
    for_each([&](absl::string_view key, const AttributeValue& v) {
      if (v.type != ValueType::kString) return;
      if (key == "db.system.name" && name.empty()) name = absl::AsciiStrToLower(v.bytes);
      if (key == "db.system" && system.empty()) system = absl::AsciiStrToLower(v.bytes);
    });
    return name.empty() ? system : name;
  }

  // Reads one attribute on the wire: whether editing its list would change the list; with
  // dry_run counts what would change in *tally instead.
  bool Visit(AttributeOwner owner, absl::string_view key, const AttributeValue& v,
             absl::string_view db_system, absl::string_view trace_id, Tally* tally,
             std::string* scratch, bool values_may_match = true) const {
    Change c = rules->Evaluate(key, WireText(v, config().redact_all_types, scratch), db_system,
                               values_may_match);
    if (c.verdict == Verdict::kKeep) return false;
    if (tally != nullptr) Count(owner, key, c, tally, trace_id);
    return c.verdict == Verdict::kRemove || c.verdict == Verdict::kMask || summary();
  }

  // Reads one attribute list on the wire (see Visit).
  template <typename ForEach>
  bool ScanList(AttributeOwner owner, ForEach&& for_each, absl::string_view trace_id, Tally* tally,
                bool values_may_match = true) const {
    const std::string db_system = DbSystem(for_each);
    bool change = false;
    std::string scratch;
    for_each([&](absl::string_view key, const AttributeValue& v) {
      if (change && tally == nullptr) return;
      if (Visit(owner, key, v, db_system, trace_id, tally, &scratch, values_may_match))
        change = true;
    });
    return change;
  }

  // The texts of every value the value rules read in a span, each followed by '\n': its
  // attributes, its events' and links' attributes, and with redact_names its name, event names
  // and status message. For Rules::ValuesMayMatch.
  void JoinValues(const pipeline::SpanView& span, std::string* joined, std::string* scratch) const {
    joined->clear();
    auto add = [&](absl::string_view, const AttributeValue& v) {
      absl::StrAppend(joined, WireText(v, config().redact_all_types, scratch), "\n");
    };
    otlp::wire::ForEachField(span.wire_bytes(), [&](uint32_t field, uint32_t wire_type,
                                                    absl::string_view value, absl::string_view) {
      if (wire_type != 2) return;
      if (field == 9) {
        absl::string_view key;
        AttributeValue v;
        otlp::wire::internal::ReadKeyValue(value, &key, &v);
        add(key, v);
      } else if (field == 11) {
        otlp::wire::ForEachKeyValue(value, 3, add);
        if (config().redact_names) {
          if (std::optional<absl::string_view> name = WireString(value, 2))
            absl::StrAppend(joined, *name, "\n");
        }
      } else if (field == 13) {
        otlp::wire::ForEachKeyValue(value, 4, add);
      } else if (field == 15 && config().redact_names) {
        if (std::optional<absl::string_view> message = WireString(value, 2))
          absl::StrAppend(joined, *message, "\n");
      }
    });
    if (config().redact_names) absl::StrAppend(joined, span.name(), "\n");
  }

  void Count(AttributeOwner owner, absl::string_view key, const Change& c, Tally* tally,
             absl::string_view trace_id) const {
    switch (c.verdict) {
      case Verdict::kKeep:
        return;
      case Verdict::kIgnore:
        ++tally->outcomes[kIgnored];
        return;
      case Verdict::kAllow:
        ++tally->outcomes[kAllowed];
        return;
      case Verdict::kRemove:
        ++tally->outcomes[kRemoved];
        break;
      case Verdict::kMask:
        ++tally->outcomes[config().hash_function ? kHashed : kMasked];
        break;
    }
    for (int r : c.rules) ++tally->rules[r];
    if (config().dry_run) LogDryRun(OwnerName(owner), key, c, trace_id);
  }

  void LogDryRun(absl::string_view what, absl::string_view key, const Change& c,
                 absl::string_view trace_id) const {
    if (!log::Enabled(log::Level::kDebug)) return;
    // A sample: at most 10 lines a second per processor.
    const int64_t second = absl::ToUnixSeconds(absl::Now());
    int64_t seen = log_second.load(std::memory_order_relaxed);
    if (seen != second) {
      if (log_second.compare_exchange_strong(seen, second)) log_lines.store(0);
    }
    if (log_lines.fetch_add(1) >= 10) return;
    std::vector<std::string> names;
    for (int r : c.rules) names.push_back(rules->rule_names()[r]);
    log::Debug(kComponent, "%s: dry run: would %s %s attribute \"%s\" (%s) in trace %s", id,
               c.verdict == Verdict::kRemove ? "remove" : "mask", what, key,
               absl::StrJoin(names, ", "), absl::BytesToHexString(trace_id));
  }

  // Edits one decoded attribute list: removes, masks, writes the summary.
  void ApplyList(AttributeOwner owner, google::protobuf::RepeatedPtrField<otlp::KeyValue>* list,
                 absl::string_view trace_id, Tally* tally) const {
    std::string db_system;
    if (rules->NeedsDbSystem() || config().AnyDbSanitizer()) {
      std::string name, system;
      for (const otlp::KeyValue& kv : *list) {
        if (kv.value().value_case() != otlp::AnyValue::kStringValue) continue;
        if (kv.key() == "db.system.name" && name.empty())
          name = absl::AsciiStrToLower(kv.value().string_value());
        if (kv.key() == "db.system" && system.empty())
          system = absl::AsciiStrToLower(kv.value().string_value());
      }
      db_system = name.empty() ? system : name;
    }
    std::vector<std::string> redacted, masked, allowed;
    int64_t ignored = 0;
    int write = 0;
    std::string scratch;
    for (int i = 0; i < list->size(); ++i) {
      otlp::KeyValue* kv = list->Mutable(i);
      Change c = rules->Evaluate(
          kv->key(), DecodedText(kv->value(), config().redact_all_types, &scratch), db_system);
      Count(owner, kv->key(), c, tally, trace_id);
      switch (c.verdict) {
        case Verdict::kRemove:
          redacted.push_back(kv->key());
          continue;
        case Verdict::kMask:
          masked.push_back(kv->key());
          kv->mutable_value()->set_string_value(std::move(c.value));
          break;
        case Verdict::kAllow:
          allowed.push_back(kv->key());
          break;
        case Verdict::kIgnore:
          ++ignored;
          break;
        case Verdict::kKeep:
          break;
      }
      if (write != i) list->SwapElements(write, i);
      ++write;
    }
    if (write < list->size()) list->DeleteSubrange(write, list->size() - write);
    if (!summary()) return;
    WriteSummary(list, "redaction.redacted", redacted);
    WriteSummary(list, "redaction.masked", masked);
    WriteSummary(list, "redaction.allowed", allowed);
    if (ignored > 0) AddCount(list, "redaction.ignored.count", ignored);
  }

  // otelcol's summary attributes: <prefix>.keys (debug: sorted, comma-joined, merged with what
  // is there) and <prefix>.count (added to what is there).
  void WriteSummary(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list,
                    absl::string_view prefix, std::vector<std::string>& keys) const {
    if (keys.empty()) return;
    const int64_t added = static_cast<int64_t>(keys.size());
    if (config().summary == Summary::kDebug) {
      const std::string name = absl::StrCat(prefix, ".keys");
      otlp::KeyValue* existing = Find(list, name);
      if (existing != nullptr && existing->value().value_case() == otlp::AnyValue::kStringValue &&
          !existing->value().string_value().empty()) {
        for (absl::string_view k : absl::StrSplit(existing->value().string_value(), ','))
          keys.emplace_back(k);
      }
      std::sort(keys.begin(), keys.end());
      if (existing == nullptr) {
        existing = list->Add();
        existing->set_key(name);
      }
      existing->mutable_value()->set_string_value(absl::StrJoin(keys, ","));
    }
    AddCount(list, absl::StrCat(prefix, ".count"), added);
  }

  static otlp::KeyValue* Find(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list,
                              absl::string_view key) {
    for (otlp::KeyValue& kv : *list)
      if (kv.key() == key) return &kv;
    return nullptr;
  }

  static void AddCount(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list,
                       absl::string_view key, int64_t n) {
    otlp::KeyValue* existing = Find(list, key);
    int64_t before = 0;
    if (existing == nullptr) {
      existing = list->Add();
      existing->set_key(std::string(key));
    } else if (existing->value().value_case() == otlp::AnyValue::kIntValue) {
      before = existing->value().int_value();
    }
    existing->mutable_value()->set_int_value(before + n);
  }

  // The span's own name, redacted by the value rules (redact_names) and sanitized as otelcol
  // does (URL and database). `attributes` is the span's attribute list as it will leave.
  template <typename ForEach>
  std::optional<std::string> SpanName(absl::string_view name, uint32_t kind, ForEach&& for_each,
                                      std::vector<int>* fired) const {
    std::optional<std::string> out;
    if (config().redact_names) out = rules->RedactText(name, fired);
    if (config().url_enabled || config().AnyDbSanitizer()) {
      bool http = false;
      for_each([&](absl::string_view key, const AttributeValue&) {
        if (!http && Rules::IsHttpAttribute(key) && !rules->Removes(key)) http = true;
      });
      std::string db_system;
      if (config().AnyDbSanitizer() && !rules->Removes("db.system.name") &&
          !rules->Removes("db.system")) {
        db_system = DbSystem(for_each);
      }
      if (std::optional<std::string> sanitized =
              rules->SanitizeSpanName(out ? *out : name, kind, http, db_system, fired)) {
        out = std::move(sanitized);
      }
    }
    return out;
  }

  // Counts a name change (and logs it in a dry run).
  void CountName(NameField field, const std::vector<int>& fired, Tally* tally,
                 absl::string_view trace_id) const {
    ++tally->names[field];
    for (int r : fired) ++tally->rules[r];
    if (config().dry_run && log::Enabled(log::Level::kDebug)) {
      Change c;
      c.verdict = Verdict::kMask;
      c.rules = fired;
      LogDryRun("the", kNameFieldNames[field], c, trace_id);
    }
  }

  void Flush(const Tally& tally) const {
    for (int i = 0; i < kOutcomes; ++i)
      if (tally.outcomes[i] > 0)
        outcome_counters[i]->Increment(static_cast<double>(tally.outcomes[i]));
    for (int i = 0; i < kNameFields; ++i)
      if (tally.names[i] > 0) name_counters[i]->Increment(static_cast<double>(tally.names[i]));
    for (size_t i = 0; i < tally.rules.size(); ++i)
      if (tally.rules[i] > 0) rule_counters[i]->Increment(static_cast<double>(tally.rules[i]));
  }

  std::unique_ptr<Rules> rules;
  pipeline::TracesConsumer& next;
  const std::string id;
  prometheus::Counter* outcome_counters[kOutcomes];
  prometheus::Counter* name_counters[kNameFields];
  std::vector<prometheus::Counter*> rule_counters;
  mutable std::atomic<int64_t> log_second{0};
  mutable std::atomic<int> log_lines{0};
};

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : state_(std::make_unique<State>(settings, config, next)) {}

Processor::~Processor() = default;

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  const State& s = *state_;
  const bool dry = s.config().dry_run;
  Tally tally(s.rules->rule_names().size());
  Tally* count = dry ? &tally : nullptr;  // the wire pass counts only in a dry run

  absl::Status status = batch.EditResources([&](pipeline::ResourceEditor& e) {
    auto for_each = [&](auto&& fn) { e.resource().ForEachAttribute(fn); };
    if (s.ScanList(AttributeOwner::kResource, for_each, {}, count) && !dry) {
      s.ApplyList(AttributeOwner::kResource, e.mutable_resource()->mutable_attributes(), {},
                  &tally);
    }
  });
  if (!status.ok()) return status;

  // Every scope, those without spans too.
  status = batch.EditScopes([&](pipeline::ScopeEditor& e) {
    auto for_each = [&](auto&& fn) { e.scope().ForEachAttribute(fn); };
    if (s.ScanList(AttributeOwner::kScope, for_each, {}, count) && !dry) {
      s.ApplyList(AttributeOwner::kScope, e.mutable_scope()->mutable_attributes(), {}, &tally);
    }
  });
  if (!status.ok()) return status;

  // The joined-values prefilter decides only what changes, not what is allowed or counted: it
  // is off for dry runs and summaries, which report allowed values too.
  const bool fast = !dry && !s.summary() && s.rules->HasPrefilter();
  std::string joined;
  status = batch.EditSpans([&](pipeline::SpanEditor& e) {
    const pipeline::SpanView& span = e.span();

    // First, when it can decide: does any blocked value occur in the span at all? One RE2 pass
    // over the span's values joined, instead of one per value. A span without any leaves here
    // when no rule looks at keys or names.
    std::string scratch;
    bool values = true;
    if (fast) {
      s.JoinValues(span, &joined, &scratch);
      values = s.rules->ValuesMayMatch(joined);
      if (!values && s.rules->KeyRulesTrivial()) return;
    }
    // One walk over the span: its attributes, then each event's and link's list. When the
    // prefilter found a blocked value, the span is edited without it: the edit decides exactly
    // (a false alarm costs one decode and re-encode of the span, the output is the same).
    bool change = fast && values;
    auto span_attributes = [&](auto&& fn) {
      otlp::wire::ForEachKeyValue(span.wire_bytes(), 9, fn);
    };
    const std::string span_db = change ? std::string() : s.DbSystem(span_attributes);
    otlp::wire::ForEachField(span.wire_bytes(), [&](uint32_t field, uint32_t wire_type,
                                                    absl::string_view value, absl::string_view) {
      if (wire_type != 2 || (change && !dry)) return;
      if (field == 9) {
        absl::string_view key;
        AttributeValue v;
        otlp::wire::internal::ReadKeyValue(value, &key, &v);
        if (s.Visit(AttributeOwner::kSpan, key, v, span_db, span.trace_id(), count, &scratch,
                    values)) {
          change = true;
        }
      } else if (field == 11 || field == 13) {
        const uint32_t list_field = field == 11 ? 3 : 4;
        auto for_each = [&](auto&& fn) { otlp::wire::ForEachKeyValue(value, list_field, fn); };
        if (s.ScanList(field == 11 ? AttributeOwner::kEvent : AttributeOwner::kLink, for_each,
                       span.trace_id(), count, values)) {
          change = true;
        }
      }
    });
    std::vector<int> fired;
    std::optional<std::string> name = s.SpanName(span.name(), span.kind(), span_attributes, &fired);
    if (name) {
      change = true;
      if (dry) s.CountName(kSpanName, fired, &tally, span.trace_id());
    }
    if (s.config().redact_names && values) {
      span.ForEachEvent([&](absl::string_view event_name, uint64_t, absl::string_view) {
        std::vector<int> event_fired;
        if (s.rules->RedactText(event_name, &event_fired)) {
          change = true;
          if (dry) s.CountName(kEventName, event_fired, &tally, span.trace_id());
        }
      });
      std::optional<absl::string_view> status_body = WireString(span.wire_bytes(), 15);
      std::optional<absl::string_view> message =
          status_body ? WireString(*status_body, 2) : std::nullopt;
      std::vector<int> status_fired;
      if (message && s.rules->RedactText(*message, &status_fired)) {
        change = true;
        if (dry) s.CountName(kStatusMessage, status_fired, &tally, span.trace_id());
      }
    }
    if (!change || dry) return;

    otlp::Span* decoded = e.mutable_span();
    const std::string trace_id(span.trace_id());
    s.ApplyList(AttributeOwner::kSpan, decoded->mutable_attributes(), trace_id, &tally);
    for (otlp::SpanEvent& event : *decoded->mutable_events()) {
      s.ApplyList(AttributeOwner::kEvent, event.mutable_attributes(), trace_id, &tally);
      std::vector<int> event_fired;
      if (s.config().redact_names) {
        if (std::optional<std::string> n = s.rules->RedactText(event.name(), &event_fired)) {
          event.set_name(std::move(*n));
          s.CountName(kEventName, event_fired, &tally, trace_id);
        }
      }
    }
    for (otlp::SpanLink& link : *decoded->mutable_links()) {
      s.ApplyList(AttributeOwner::kLink, link.mutable_attributes(), trace_id, &tally);
    }
    if (name) {
      // The name was decided on the received attributes, as otelcol decides it after the
      // attributes are redacted: SpanName already skips attributes that are removed.
      decoded->set_name(std::move(*name));
      s.CountName(kSpanName, fired, &tally, trace_id);
    }
    if (s.config().redact_names && decoded->has_status()) {
      std::vector<int> status_fired;
      if (std::optional<std::string> m =
              s.rules->RedactText(decoded->status().message(), &status_fired)) {
        decoded->mutable_status()->set_message(std::move(*m));
        s.CountName(kStatusMessage, status_fired, &tally, trace_id);
      }
    }
  });
  s.Flush(tally);
  if (!status.ok()) return status;
  if (batch.empty()) return absl::OkStatus();
  return s.next.ConsumeTraces(context, std::move(batch));
}

}  // namespace weir::processors::redaction
