#include "pipeline/zipkin/to_otlp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/otlp/wire_write.h"
#include "pipeline/zipkin/hex.h"
#include "rapidjson/encodedstream.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace weir::zipkin {

namespace {

using otlp::wire::AppendVarint;
using otlp::wire::VarintSize;

// ---- writing OTLP's protobuf encoding ---------------------------------------------------------

using otlp::wire::PutBytes;
using otlp::wire::PutDouble;
using otlp::wire::PutFixed64;
using otlp::wire::PutTag;
using otlp::wire::PutVarint;
constexpr uint32_t kBytes = otlp::wire::kWireBytes;

using otlp::wire::PutKeyValue;
using otlp::wire::PutStringKeyValue;

void PutIntKeyValue(uint32_t field, absl::string_view key, int64_t value, std::string* out) {
  std::string any;
  PutVarint(3, static_cast<uint64_t>(value), &any);
  PutKeyValue(field, key, any, out);
}

void PutBoolKeyValue(uint32_t field, absl::string_view key, bool value, std::string* out) {
  std::string any;
  PutVarint(2, value ? 1 : 0, &any);
  PutKeyValue(field, key, any, out);
}

// ---- values -------------------------------------------------------------------------------

uint64_t SaturatingNanos(uint64_t micros) {
  return micros > std::numeric_limits<uint64_t>::max() / 1000 ? std::numeric_limits<uint64_t>::max()
                                                              : micros * 1000;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// The AnyValue of a tag typed the way parse_string_tags types it.
std::string TypedValue(absl::string_view t) {
  std::string any;
  absl::string_view digits = absl::StripPrefix(t, "-");
  const auto is_digit = [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); };
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit)) {
    int64_t i;
    if (!absl::SimpleAtoi(t, &i)) {
      i = t[0] == '-' ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    PutVarint(3, static_cast<uint64_t>(i), &any);
    return any;
  }
  const size_t dot = digits.find('.');
  if (dot != absl::string_view::npos && dot > 0 && dot + 1 < digits.size() &&
      std::all_of(digits.begin(), digits.end(), [&](char c) { return c == '.' || is_digit(c); }) &&
      digits.find('.', dot + 1) == absl::string_view::npos) {
    double d;
    if (absl::SimpleAtod(t, &d)) {
      PutDouble(4, d, &any);
      return any;
    }
  }
  if (t == "true" || t == "false") {
    PutVarint(2, t == "true" ? 1 : 0, &any);
    return any;
  }
  PutBytes(1, t, &any);
  return any;
}

// Writes the attributes of a JSON object as KeyValues (field `field` of their parent) from
// RapidJSON's SAX events, without a DOM: strings, booleans, integers (as int when they fit in
// 64 bits), doubles, arrays and objects (nested up to a depth; deeper containers and nulls are
// empty values; a null at the top is left out).
class AttributeWriter {
 public:
  AttributeWriter(uint32_t field, std::string* out) : field_(field), out_(out) {}

  bool Null() { return Scalar(nullptr); }
  bool Bool(bool b) {
    std::string any;
    PutVarint(2, b ? 1 : 0, &any);
    return Scalar(&any);
  }
  bool Int(int i) { return Int64(i); }
  bool Uint(unsigned u) { return Int64(u); }
  bool Int64(int64_t i) {
    std::string any;
    PutVarint(3, static_cast<uint64_t>(i), &any);
    return Scalar(&any);
  }
  bool Uint64(uint64_t u) {
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Int64(static_cast<int64_t>(u));
    }
    return Double(static_cast<double>(u));
  }
  bool Double(double d) {
    std::string any;
    PutDouble(4, d, &any);
    return Scalar(&any);
  }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool) {
    const char* end = str + length;
    if (std::find_if(str, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      int64_t i;
      if (std::from_chars(str, end, i).ec == std::errc()) return Int64(i);
    }
    double d;
    const auto result = std::from_chars(str, end, d);
    if (result.ec == std::errc::result_out_of_range) return false;
    return Double(d);
  }
  bool String(const char* str, rapidjson::SizeType length, bool) {
    std::string any;
    PutBytes(1, absl::string_view(str, length), &any);
    return Scalar(&any);
  }
  bool Key(const char* str, rapidjson::SizeType length, bool) {
    if (skip_ == 0) frames_.back().key.assign(str, length);
    return true;
  }
  bool StartObject() { return Start(true); }
  bool EndObject(rapidjson::SizeType) { return End(); }
  bool StartArray() { return Start(false); }
  bool EndArray(rapidjson::SizeType) { return End(); }

  // True when the text was one object.
  bool done() const { return done_; }

 private:
  struct Frame {
    bool object;
    std::string key;    // of the member being read (objects)
    std::string bytes;  // KeyValues or AnyValues so far
  };
  static constexpr size_t kMaxDepth = 16;

  bool Start(bool object) {
    if (frames_.empty()) {
      if (!object) return false;  // the top must be an object
      frames_.push_back({true, {}, {}});
      return true;
    }
    if (skip_ > 0 || frames_.size() > kMaxDepth) {
      ++skip_;
      return true;
    }
    frames_.push_back({object, {}, {}});
    return true;
  }

  bool End() {
    if (skip_ > 0) {
      if (--skip_ == 0) return Scalar(nullptr, /*empty_container=*/true);
      return true;
    }
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    if (frames_.empty()) {
      out_->append(frame.bytes);
      done_ = true;
      return true;
    }
    std::string any;
    PutBytes(frame.object ? 6 : 5, frame.bytes, &any);
    return Add(any);
  }

  // A value (nullptr: null) in the current frame.
  bool Scalar(const std::string* any, bool empty_container = false) {
    if (frames_.empty()) return false;
    if (skip_ > 0) return true;
    if (any == nullptr && !empty_container && frames_.size() == 1) return true;  // top-level null
    return Add(any == nullptr ? std::string() : *any);
  }

  bool Add(const std::string& any) {
    Frame& frame = frames_.back();
    if (frame.object) {
      PutKeyValue(frames_.size() == 1 ? field_ : 1, frame.key, any, &frame.bytes);
    } else {
      PutBytes(1, any, &frame.bytes);
    }
    return true;
  }

  const uint32_t field_;
  std::string* out_;
  std::vector<Frame> frames_;
  size_t skip_ = 0;  // depth inside a container past kMaxDepth
  bool done_ = false;
};

// Parses "<JSON object>" into KeyValues (field `field` of their parent) appended to *out; false,
// appending nothing, when it is not one.
bool ParseJsonAttributes(absl::string_view json, uint32_t field, std::string* out) {
  std::string bytes;
  AttributeWriter writer(field, &bytes);
  rapidjson::Reader reader;
  rapidjson::MemoryStream memory(json.data(), json.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  // The text is UTF-8 already (every decoder checks), so RapidJSON need not check it again.
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  if (reader.Parse<kFlags>(stream, writer).IsError() || !writer.done()) return false;
  out->append(bytes);
  return true;
}

// An annotation as an OTLP event (field 11 of the span): "name|<JSON>|<dropped>" as
// from_otlp writes events gives the name, attributes and count; any other value is the name.
void PutEvent(const AnnotationView& a, std::string* span) {
  std::string event;
  PutFixed64(1, SaturatingNanos(a.timestamp), &event);
  const absl::string_view value = a.value;
  const size_t first = value.find('|');
  const size_t last = value.rfind('|');
  uint32_t dropped = 0;
  std::string attributes;
  if (first != absl::string_view::npos && first != last &&
      absl::SimpleAtoi(value.substr(last + 1), &dropped) &&
      ParseJsonAttributes(value.substr(first + 1, last - first - 1), 3, &attributes)) {
    if (first > 0) PutBytes(2, value.substr(0, first), &event);
    event.append(attributes);
    if (dropped != 0) PutVarint(4, dropped, &event);
  } else if (!value.empty()) {
    PutBytes(2, value, &event);
  }
  PutBytes(11, event, span);
}

// "traceId|spanId|tracestate|<JSON>|<dropped>" as from_otlp writes links, as an OTLP link
// (field 13 of the span); false when `value` is not in that form.
bool PutLink(absl::string_view value, std::string* span) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, '|');
  if (parts.size() < 5) return false;
  char trace_id[16], span_id[16];
  size_t trace_size = 0, span_size = 0;
  if (!parts[0].empty() &&
      (parts[0].size() != 32 ||
       !ParseHexIdTo({parts[0].data(), parts[0].size()}, 32, trace_id, &trace_size))) {
    return false;
  }
  if (!parts[1].empty() &&
      (parts[1].size() != 16 ||
       !ParseHexIdTo({parts[1].data(), parts[1].size()}, 16, span_id, &span_size))) {
    return false;
  }
  uint32_t dropped;
  if (!absl::SimpleAtoi(parts.back(), &dropped)) return false;
  const size_t json_begin = static_cast<size_t>(parts[3].data() - value.data());
  const size_t json_end = static_cast<size_t>(parts.back().data() - value.data()) - 1;
  std::string attributes;
  if (!ParseJsonAttributes(value.substr(json_begin, json_end - json_begin), 4, &attributes)) {
    return false;
  }
  std::string link;
  if (trace_size > 0) PutBytes(1, absl::string_view(trace_id, trace_size), &link);
  if (span_size > 0) PutBytes(2, absl::string_view(span_id, span_size), &link);
  if (!parts[2].empty()) PutBytes(3, parts[2], &link);
  link.append(attributes);
  if (dropped != 0) PutVarint(5, dropped, &link);
  PutBytes(13, link, span);
  return true;
}

// The text of an endpoint's address (IPv6 over IPv4), or "".
std::string IpText(const EndpointView& e) {
  char text[INET6_ADDRSTRLEN];
  if (e.ipv6_size == 16 && inet_ntop(AF_INET6, e.ipv6, text, sizeof text)) return text;
  if (e.ipv4_size == 4 && inet_ntop(AF_INET, e.ipv4, text, sizeof text)) return text;
  return "";
}

uint32_t StatusCode(absl::string_view value) {
  if (absl::EqualsIgnoreCase(value, "ok") || absl::EqualsIgnoreCase(value, "status_code_ok") ||
      value == "1") {
    return otlp::SpanStatus::STATUS_CODE_OK;
  }
  if (absl::EqualsIgnoreCase(value, "error") ||
      absl::EqualsIgnoreCase(value, "status_code_error") || value == "2") {
    return otlp::SpanStatus::STATUS_CODE_ERROR;
  }
  return otlp::SpanStatus::STATUS_CODE_UNSET;
}

uint32_t KindFromTag(absl::string_view value) {
  if (absl::EqualsIgnoreCase(value, "internal")) return otlp::Span::SPAN_KIND_INTERNAL;
  if (absl::EqualsIgnoreCase(value, "client")) return otlp::Span::SPAN_KIND_CLIENT;
  if (absl::EqualsIgnoreCase(value, "server")) return otlp::Span::SPAN_KIND_SERVER;
  if (absl::EqualsIgnoreCase(value, "producer")) return otlp::Span::SPAN_KIND_PRODUCER;
  if (absl::EqualsIgnoreCase(value, "consumer")) return otlp::Span::SPAN_KIND_CONSUMER;
  return otlp::Span::SPAN_KIND_UNSPECIFIED;
}

// ---- tags ---------------------------------------------------------------------------------

// What a tag means to the translation. Tags that are none of these are span attributes.
enum class Role : uint8_t {
  kAttribute,
  kResource,  // otelcol's list of resource keys (nonSpanAttributes): moved to the resource
  kServiceName,
  kServiceNameSource,
  kSpanKind,
  kTraceState,
  kStatusCode,
  kStatusDescription,
  kError,
  kScopeName,
  kScopeVersion,
  kLibraryName,
  kLibraryVersion,
};

Role RoleOf(absl::string_view key) {
  static const auto* roles = [] {
    auto* m = new absl::flat_hash_map<absl::string_view, Role>;
    for (absl::string_view key : {"cloud.provider",
                                  "cloud.account.id",
                                  "cloud.region",
                                  "cloud.availability_zone",
                                  "cloud.platform",
                                  "aws.ecs.container.arn",
                                  "aws.ecs.cluster.arn",
                                  "aws.ecs.launchtype",
                                  "aws.ecs.task.arn",
                                  "aws.ecs.task.family",
                                  "aws.ecs.task.revision",
                                  "aws.eks.cluster.arn",
                                  "aws.log.group.names",
                                  "aws.log.group.arns",
                                  "aws.log.stream.names",
                                  "aws.log.stream.arns",
                                  "container.name",
                                  "container.id",
                                  "container.runtime",
                                  "container.image.name",
                                  "container.image.tag",
                                  "deployment.environment",
                                  "device.id",
                                  "device.model.identifier",
                                  "device.model.name",
                                  "device.manufacturer",
                                  "faas.name",
                                  "faas.id",
                                  "faas.version",
                                  "faas.instance",
                                  "faas.max_memory",
                                  "host.id",
                                  "host.name",
                                  "host.type",
                                  "host.arch",
                                  "host.image.name",
                                  "host.image.id",
                                  "host.image.version",
                                  "k8s.cluster.name",
                                  "k8s.node.name",
                                  "k8s.node.uid",
                                  "k8s.namespace.name",
                                  "k8s.pod.uid",
                                  "k8s.pod.name",
                                  "k8s.container.name",
                                  "k8s.container.restart_count",
                                  "k8s.replicaset.uid",
                                  "k8s.replicaset.name",
                                  "k8s.deployment.uid",
                                  "k8s.deployment.name",
                                  "k8s.statefulset.uid",
                                  "k8s.statefulset.name",
                                  "k8s.daemonset.uid",
                                  "k8s.daemonset.name",
                                  "k8s.job.uid",
                                  "k8s.job.name",
                                  "k8s.cronjob.uid",
                                  "k8s.cronjob.name",
                                  "os.type",
                                  "os.description",
                                  "os.name",
                                  "os.version",
                                  "process.pid",
                                  "process.executable.name",
                                  "process.executable.path",
                                  "process.command",
                                  "process.command_line",
                                  "process.command_args",
                                  "process.owner",
                                  "process.runtime.name",
                                  "process.runtime.version",
                                  "process.runtime.description",
                                  "service.namespace",
                                  "service.instance.id",
                                  "service.version",
                                  "telemetry.sdk.name",
                                  "telemetry.sdk.language",
                                  "telemetry.sdk.version",
                                  "telemetry.auto.version",
                                  "webengine.name",
                                  "webengine.version",
                                  "webengine.description",
                                  "opencensus.starttime",
                                  "opencensus.exporterversion",
                                  "opencensus.resourcetype"}) {
      (*m)[key] = Role::kResource;
    }
    (*m)["service.name"] = Role::kServiceName;
    (*m)[kServiceNameSource] = Role::kServiceNameSource;
    (*m)["span.kind"] = Role::kSpanKind;
    (*m)["w3c.tracestate"] = Role::kTraceState;
    (*m)["otel.status_code"] = Role::kStatusCode;
    (*m)["otel.status_description"] = Role::kStatusDescription;
    (*m)["error"] = Role::kError;
    (*m)["otel.scope.name"] = Role::kScopeName;
    (*m)["otel.scope.version"] = Role::kScopeVersion;
    (*m)["otel.library.name"] = Role::kLibraryName;
    (*m)["otel.library.version"] = Role::kLibraryVersion;
    return m;
  }();
  auto it = roles->find(key);
  return it == roles->end() ? Role::kAttribute : it->second;
}

// The tags of one span sorted by what they mean.
struct Sorted {
  const TagView* span_kind = nullptr;
  const TagView* trace_state = nullptr;
  const TagView* status_code = nullptr;
  const TagView* status_description = nullptr;
  const TagView* error = nullptr;
  const TagView* scope_name = nullptr;     // otel.scope.name, else otel.library.name
  const TagView* scope_version = nullptr;  // otel.scope.version, else otel.library.version
  const TagView* service_name = nullptr;   // a service.name tag
  const TagView* source = nullptr;         // otlp.service.name.source
  std::vector<const TagView*> resource;    // sorted by key
  std::vector<const TagView*> links;       // otlp.link.<i>
  std::vector<const TagView*> attributes;

  void Clear() {
    span_kind = trace_state = status_code = status_description = error = nullptr;
    scope_name = scope_version = service_name = source = nullptr;
    resource.clear();
    links.clear();
    attributes.clear();
  }
};

bool ByKey(const TagView* a, const TagView* b) { return a->key < b->key; }

void SortTags(const SpanList& list, const SpanView& span, Sorted* out) {
  out->Clear();
  const TagView* library_name = nullptr;
  const TagView* library_version = nullptr;
  for (uint32_t i = span.tags_begin; i < span.tags_end; ++i) {
    const TagView* tag = &list.tags[i];
    switch (RoleOf(tag->key)) {
      case Role::kAttribute:
        (absl::StartsWith(tag->key, "otlp.link.") ? out->links : out->attributes).push_back(tag);
        break;
      case Role::kResource:
        out->resource.push_back(tag);
        break;
      case Role::kServiceName:
        out->service_name = tag;
        break;
      case Role::kServiceNameSource:
        out->source = tag;
        break;
      case Role::kSpanKind:
        out->span_kind = tag;
        break;
      case Role::kTraceState:
        out->trace_state = tag;
        break;
      case Role::kStatusCode:
        out->status_code = tag;
        break;
      case Role::kStatusDescription:
        out->status_description = tag;
        break;
      case Role::kError:
        out->error = tag;
        break;
      case Role::kScopeName:
        out->scope_name = tag;
        break;
      case Role::kScopeVersion:
        out->scope_version = tag;
        break;
      case Role::kLibraryName:
        library_name = tag;
        break;
      case Role::kLibraryVersion:
        library_version = tag;
        break;
    }
  }
  if (out->scope_name == nullptr) out->scope_name = library_name;
  if (out->scope_version == nullptr) out->scope_version = library_version;
  std::stable_sort(out->resource.begin(), out->resource.end(), ByKey);
}

absl::string_view ValueOf(const TagView* tag) { return tag == nullptr ? "" : tag->value; }

// ---- spans --------------------------------------------------------------------------------

// Appends the span (field 2 of its ScopeSpans) to *out.
void PutSpan(const SpanView& in, const SpanList& list, const ToOtlpOptions& options, Sorted& tags,
             std::string* scratch, std::string* out) {
  std::string& span = *scratch;
  span.clear();
  char trace_id[16] = {};
  const absl::string_view given = in.trace_id_bytes();
  std::memcpy(trace_id + 16 - given.size(), given.data(), given.size());
  PutBytes(1, absl::string_view(trace_id, 16), &span);
  PutBytes(2, in.id_bytes(), &span);
  if (tags.trace_state != nullptr && !tags.trace_state->value.empty()) {
    PutBytes(3, tags.trace_state->value, &span);
  }
  if (in.parent_id_size == 8) PutBytes(4, in.parent_id_bytes(), &span);
  if (!in.name.empty()) PutBytes(5, in.name, &span);
  uint32_t kind = otlp::Span::SPAN_KIND_UNSPECIFIED;
  switch (in.kind) {
    case model::Span::CLIENT:
      kind = otlp::Span::SPAN_KIND_CLIENT;
      break;
    case model::Span::SERVER:
      kind = otlp::Span::SPAN_KIND_SERVER;
      break;
    case model::Span::PRODUCER:
      kind = otlp::Span::SPAN_KIND_PRODUCER;
      break;
    case model::Span::CONSUMER:
      kind = otlp::Span::SPAN_KIND_CONSUMER;
      break;
    default:
      if (tags.span_kind != nullptr) kind = KindFromTag(tags.span_kind->value);
      break;
  }
  if (kind != 0) PutVarint(6, kind, &span);
  const uint64_t start = SaturatingNanos(in.timestamp);
  if (start != 0) PutFixed64(7, start, &span);
  const uint64_t end = SaturatingAdd(start, SaturatingNanos(in.duration));
  if (end != 0) PutFixed64(8, end, &span);

  // Attributes: what the translation adds first, then the tags by key.
  absl::string_view written[6];
  size_t n_written = 0;
  if (in.timestamp == 0) PutBoolKeyValue(9, kStartTimeAbsent, true, &span);
  uint32_t code = otlp::SpanStatus::STATUS_CODE_UNSET;
  absl::string_view description = ValueOf(tags.status_description);
  if (tags.status_code != nullptr) code = StatusCode(tags.status_code->value);
  if (tags.error != nullptr) {
    code = otlp::SpanStatus::STATUS_CODE_ERROR;
    if (tags.status_description == nullptr && tags.error->value != "true") {
      description = tags.error->value;
    }
  }
  if (!description.empty() && code == otlp::SpanStatus::STATUS_CODE_UNSET) {
    PutStringKeyValue(9, "otel.status_description", description, &span);
    written[n_written++] = "otel.status_description";
  }
  if (in.local_endpoint.present) {
    const EndpointView& e = in.local_endpoint;
    if (std::string ip = IpText(e); !ip.empty()) {
      PutStringKeyValue(9, "network.local.address", ip, &span);
      written[n_written++] = "network.local.address";
    }
    if (e.port > 0) {
      PutIntKeyValue(9, "net.host.port", e.port, &span);
      written[n_written++] = "net.host.port";
    }
  }
  if (in.remote_endpoint.present) {
    const EndpointView& e = in.remote_endpoint;
    if (!e.service_name.empty()) {
      PutStringKeyValue(9, "service.peer.name", e.service_name, &span);
      written[n_written++] = "service.peer.name";
    }
    if (std::string ip = IpText(e); !ip.empty()) {
      PutStringKeyValue(9, "network.peer.address", ip, &span);
      written[n_written++] = "network.peer.address";
    }
    if (e.port > 0) {
      PutIntKeyValue(9, "net.peer.port", e.port, &span);
      written[n_written++] = "net.peer.port";
    }
  }
  // Links first, as a link tag that does not parse becomes an attribute.
  std::string links;
  if (!tags.links.empty()) {
    // otlp.link.0, .1, … up to the first index missing; a value that does not parse, or one
    // past the gap, stays an attribute.
    std::sort(tags.links.begin(), tags.links.end(), [](const TagView* a, const TagView* b) {
      return a->key.size() != b->key.size() ? a->key.size() < b->key.size() : a->key < b->key;
    });
    size_t next = 0;
    for (const TagView* tag : tags.links) {
      if (tag->key == absl::StrCat("otlp.link.", next) && PutLink(tag->value, &links)) {
        ++next;
      } else {
        tags.attributes.push_back(tag);
      }
    }
  }
  // The remaining tags, by key, so the output does not depend on the sender's order; of tags
  // with the same key the last wins (OTLP allows one of each), and none repeats an attribute
  // written above.
  std::stable_sort(tags.attributes.begin(), tags.attributes.end(), ByKey);
  for (size_t i = 0; i < tags.attributes.size(); ++i) {
    const TagView* tag = tags.attributes[i];
    if (i + 1 < tags.attributes.size() && tags.attributes[i + 1]->key == tag->key) continue;
    if (std::find(written, written + n_written, tag->key) != written + n_written) continue;
    if (options.parse_string_tags) {
      PutKeyValue(9, tag->key, TypedValue(tag->value), &span);
    } else {
      PutStringKeyValue(9, tag->key, tag->value, &span);
    }
  }
  for (uint32_t i = in.annotations_begin; i < in.annotations_end; ++i) {
    PutEvent(list.annotations[i], &span);
  }
  span.append(links);
  if (code != otlp::SpanStatus::STATUS_CODE_UNSET) {
    std::string status;
    if (!description.empty()) PutBytes(2, description, &status);
    PutVarint(3, code, &status);
    PutBytes(15, status, &span);
  }
  PutBytes(2, span, out);
}

struct Scope {
  absl::string_view name, version;
  std::string spans;  // encoded spans (field 2 of the ScopeSpans)
};

struct Group {
  std::string resource;  // encoded attributes (field 1 of the Resource)
  std::vector<Scope> scopes;
  absl::flat_hash_map<std::string, size_t> scope_index;  // name "\n" version → scopes[i]
};

}  // namespace

absl::Status AppendOtlpRequest(const SpanList& spans, const ToOtlpOptions& options,
                               std::string* out) {
  for (size_t i = 0; i < spans.spans.size(); ++i) {
    const SpanView& s = spans.spans[i];
    if (s.trace_id_size != 8 && s.trace_id_size != 16) {
      return absl::InvalidArgumentError(absl::StrCat(
          "spans[", i, "]: the trace id has ", s.trace_id_size, " bytes; Zipkin's have 8 or 16"));
    }
    if (s.id_size != 8) {
      return absl::InvalidArgumentError(
          absl::StrCat("spans[", i, "]: the span id has ", s.id_size, " bytes, not 8"));
    }
    if (s.parent_id_size != 0 && s.parent_id_size != 8) {
      return absl::InvalidArgumentError(
          absl::StrCat("spans[", i, "]: the parent id has ", s.parent_id_size, " bytes, not 8"));
    }
  }
  std::vector<Group> groups;
  absl::flat_hash_map<std::string, size_t> group_index;
  Sorted tags;
  std::string key, scratch;
  for (const SpanView& span : spans.spans) {
    SortTags(spans, span, &tags);
    absl::string_view service =
        span.local_endpoint.present ? span.local_endpoint.service_name : absl::string_view();
    if (service == kNoServiceName) service = {};
    absl::string_view service_key = "service.name";
    if (tags.source != nullptr && !tags.source->value.empty()) service_key = tags.source->value;
    if (service.empty() && tags.service_name != nullptr) {
      service = tags.service_name->value;  // no local endpoint: the tag names the service
    }
    // A service.name tag beside the local endpoint repeats its name (OpenTelemetry SDKs).
    key.assign(service.data(), service.size());
    for (const TagView* t : tags.resource) absl::StrAppend(&key, "\n", t->key, "=", t->value);
    auto [it, inserted] = group_index.try_emplace(key, groups.size());
    if (inserted) {
      Group& group = groups.emplace_back();
      if (!service.empty()) PutStringKeyValue(1, service_key, service, &group.resource);
      for (const TagView* t : tags.resource) {
        if (t->key == service_key && !service.empty()) continue;
        PutStringKeyValue(1, t->key, t->value, &group.resource);
      }
    }
    Group& group = groups[it->second];
    const absl::string_view scope_name = ValueOf(tags.scope_name);
    const absl::string_view scope_version = ValueOf(tags.scope_version);
    auto [scope_it, new_scope] = group.scope_index.try_emplace(
        absl::StrCat(scope_name, "\n", scope_version), group.scopes.size());
    if (new_scope) group.scopes.push_back({scope_name, scope_version, {}});
    PutSpan(span, spans, options, tags, &scratch, &group.scopes[scope_it->second].spans);
  }
  // Written with their lengths computed first, so each span's bytes are copied once more.
  auto field_size = [](size_t payload) { return 1 + VarintSize(payload) + payload; };
  std::string scope;
  for (const Group& group : groups) {
    size_t size = field_size(group.resource.size());
    for (const Scope& s : group.scopes) {
      const size_t scope_size = (s.name.empty() ? 0 : field_size(s.name.size())) +
                                (s.version.empty() ? 0 : field_size(s.version.size()));
      size += field_size(field_size(scope_size) + s.spans.size());
    }
    PutTag(1, kBytes, out);
    AppendVarint(size, out);
    PutBytes(1, group.resource, out);
    for (const Scope& s : group.scopes) {
      scope.clear();
      if (!s.name.empty()) PutBytes(1, s.name, &scope);
      if (!s.version.empty()) PutBytes(2, s.version, &scope);
      PutTag(2, kBytes, out);
      AppendVarint(field_size(scope.size()) + s.spans.size(), out);
      PutBytes(1, scope, out);
      out->append(s.spans);
    }
  }
  return absl::OkStatus();
}

absl::Status SpansToResourceSpans(model::ListOfSpans&& spans, const ToOtlpOptions& options,
                                  otlp::ExportRequest* out) {
  const SpanList list = SpanList::Of(spans);
  std::string bytes;
  if (absl::Status s = AppendOtlpRequest(list, options, &bytes); !s.ok()) return s;
  if (!out->MergeFromString(bytes)) {
    return absl::InvalidArgumentError("a string of the spans is not valid UTF-8");
  }
  return absl::OkStatus();
}

}  // namespace weir::zipkin
