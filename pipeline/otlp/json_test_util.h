// Test-only helpers shared by json_decode_test.cc and json_encode_test.cc: fixtures in
// protobuf text format, a request with every field set, and shorthands for parsing and
// encoding that fail the test on an unexpected result.
//
// Threading: used from test threads only.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/json.h"

namespace weir::otlp::json_testing {

inline constexpr char kTraceIdHex[] = "5b8efff798038103d269b633813fc60c";
inline constexpr char kSpanIdHex[] = "eee19b7ec3c1b174";
inline constexpr char kParentIdHex[] = "eee19b7ec3c1b173";
inline constexpr char kLinkTraceIdHex[] = "4bf92f3577b34da6a3ce929d0e0e4736";
inline constexpr char kLinkSpanIdHex[] = "00f067aa0ba902b7";

inline std::string Bytes(const char* hex) { return absl::HexStringToBytes(hex); }

inline ExportRequest FromText(const std::string& text) {
  ExportRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

inline std::string ToJson(const ExportRequest& request) {
  std::string out;
  AppendRequestJson(request, &out);
  return out;
}

// Parses `json`, expecting success.
inline ExportRequest Parse(std::string_view json) {
  ExportRequest request;
  const absl::Status status = ParseRequestJson(json, &request);
  EXPECT_TRUE(status.ok()) << status;
  return request;
}

// Parses `json`, expecting InvalidArgument; returns the message.
inline std::string ParseError(std::string_view json) {
  ExportRequest request;
  const absl::Status status = ParseRequestJson(json, &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

// Wraps span JSON members in the envelope down to resourceSpans[0].scopeSpans[0].spans[0].
inline std::string SpanJson(const std::string& members) {
  return absl::StrCat(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)", members, "}]}]}]}");
}

inline constexpr char kSpanPath[] = "resourceSpans[0].scopeSpans[0].spans[0]";

// A request that sets every field of every message and every kind of AnyValue, including the
// zero value of each oneof member and an AnyValue with no member set.
inline ExportRequest EveryFieldRequest() {
  ExportRequest request = FromText(R"pb(
    resource_spans {
      resource {
        attributes {
          key: "service.name"
          value { string_value: "checkout" }
        }
        attributes {
          key: "empty"
          value {}
        }
        attributes { key: "no value" }
        dropped_attributes_count: 1
      }
      scope_spans {
        scope {
          name: "io.opentelemetry.contrib"
          version: "1.2.3"
          attributes {
            key: "scope.bool"
            value { bool_value: true }
          }
          dropped_attributes_count: 2
        }
        spans {
          trace_state: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
          flags: 0x301
          name: "GET /cart \"quoted\" \\ \n\t ünïcödé 🚀"
          kind: SPAN_KIND_SERVER
          start_time_unix_nano: 18446744073709551615
          end_time_unix_nano: 1544712661000000000
          attributes {
            key: "string"
            value { string_value: "value" }
          }
          attributes {
            key: "string.zero"
            value { string_value: "" }
          }
          attributes {
            key: "bool"
            value { bool_value: true }
          }
          attributes {
            key: "bool.zero"
            value { bool_value: false }
          }
          attributes {
            key: "int"
            value { int_value: -9223372036854775808 }
          }
          attributes {
            key: "int.max"
            value { int_value: 9223372036854775807 }
          }
          attributes {
            key: "int.zero"
            value { int_value: 0 }
          }
          attributes {
            key: "double"
            value { double_value: 3.14159265358979 }
          }
          attributes {
            key: "double.tiny"
            value { double_value: 5e-324 }
          }
          attributes {
            key: "double.huge"
            value { double_value: 1.7976931348623157e308 }
          }
          attributes {
            key: "double.zero"
            value { double_value: 0 }
          }
          attributes {
            key: "double.negzero"
            value { double_value: -0.0 }
          }
          attributes {
            key: "bytes"
            value { bytes_value: "\x00\x01\xfe\xff" }
          }
          attributes {
            key: "bytes.zero"
            value { bytes_value: "" }
          }
          attributes {
            key: "array"
            value {
              array_value {
                values { string_value: "a" }
                values { int_value: 1 }
                values {}
                values { array_value { values { bool_value: false } } }
                values { kvlist_value {} }
              }
            }
          }
          attributes {
            key: "array.zero"
            value { array_value {} }
          }
          attributes {
            key: "kvlist"
            value {
              kvlist_value {
                values {
                  key: "inner"
                  value { double_value: 1.5 }
                }
                values {
                  key: "nested"
                  value {
                    kvlist_value {
                      values {
                        key: "deep"
                        value { array_value { values { bytes_value: "xyz" } } }
                      }
                    }
                  }
                }
              }
            }
          }
          attributes {
            key: "kvlist.zero"
            value { kvlist_value {} }
          }
          dropped_attributes_count: 3
          events {
            time_unix_nano: 1544712660500000000
            name: "exception"
            attributes {
              key: "exception.type"
              value { string_value: "IOError" }
            }
            dropped_attributes_count: 4
          }
          events {}
          dropped_events_count: 5
          links {
            trace_state: "congo=t61rcWkgMzE"
            attributes {
              key: "link.attr"
              value { int_value: 7 }
            }
            dropped_attributes_count: 6
            flags: 0x101
          }
          links {}
          dropped_links_count: 7
          status { message: "deadline exceeded" code: STATUS_CODE_ERROR }
        }
        spans {
          name: "second"
          status {}
        }
        schema_url: "https://opentelemetry.io/schemas/1.21.0"
      }
      scope_spans { scope {} }
      schema_url: "https://opentelemetry.io/schemas/1.20.0"
    }
    resource_spans { resource {} }
    resource_spans {}
  )pb");
  Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->set_trace_id(Bytes(kTraceIdHex));
  span->set_span_id(Bytes(kSpanIdHex));
  span->set_parent_span_id(Bytes(kParentIdHex));
  SpanLink* link = span->mutable_links(0);
  link->set_trace_id(Bytes(kLinkTraceIdHex));
  link->set_span_id(Bytes(kLinkSpanIdHex));
  return request;
}

}  // namespace weir::otlp::json_testing
