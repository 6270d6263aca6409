#include "pipeline/otlp/rpc_status.h"

#include <algorithm>
#include <limits>

#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace weir::otlp {
namespace {

using google::protobuf::internal::WireFormatLite;

void WriteLengthDelimited(int field, absl::string_view bytes, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

constexpr char kRetryInfoType[] = "type.googleapis.com/google.rpc.RetryInfo";

google::protobuf::io::CodedInputStream Reader(absl::string_view bytes) {
  return google::protobuf::io::CodedInputStream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(bytes.size()));
}

bool ReadLengthDelimited(google::protobuf::io::CodedInputStream* in, std::string* out) {
  uint32_t length;
  return in->ReadVarint32(&length) && in->ReadString(out, static_cast<int>(length));
}

// RetryInfo{Duration retry_delay = 1}: the delay, or nullopt when malformed.
std::optional<absl::Duration> DecodeRetryInfo(absl::string_view bytes) {
  google::protobuf::io::CodedInputStream in = Reader(bytes);
  absl::Duration delay = absl::ZeroDuration();
  while (uint32_t tag = in.ReadTag()) {
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      std::string value;
      google::protobuf::Duration duration;
      if (!ReadLengthDelimited(&in, &value) || !duration.ParseFromString(value)) {
        return std::nullopt;
      }
      delay = absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  if (!in.ConsumedEntireMessage()) return std::nullopt;
  return std::max(delay, absl::ZeroDuration());
}

}  // namespace

std::optional<RpcStatus> DecodeRpcStatusProto(absl::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return std::nullopt;
  google::protobuf::io::CodedInputStream in = Reader(bytes);
  RpcStatus status;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT)) {
      uint32_t code;
      if (!in.ReadVarint32(&code)) return std::nullopt;
      status.code = static_cast<int>(code);
    } else if (tag == WireFormatLite::MakeTag(2, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      if (!ReadLengthDelimited(&in, &status.message)) return std::nullopt;
    } else if (tag == WireFormatLite::MakeTag(3, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      std::string value;
      google::protobuf::Any any;
      if (!ReadLengthDelimited(&in, &value) || !any.ParseFromString(value)) return std::nullopt;
      if (any.type_url() == kRetryInfoType && !status.retry_delay) {
        status.retry_delay = DecodeRetryInfo(any.value());
        if (!status.retry_delay) return std::nullopt;
      }
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  if (!in.ConsumedEntireMessage()) return std::nullopt;
  return status;
}

std::string EncodeRpcStatusProto(int code, absl::string_view message,
                                 std::optional<absl::Duration> retry_delay) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    if (code != 0) {
      coded.WriteTag(WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT));
      coded.WriteVarint32(static_cast<uint32_t>(code));
    }
  }
  if (!message.empty()) WriteLengthDelimited(2, message, &out);
  if (retry_delay.has_value()) {
    google::protobuf::Duration delay;
    delay.set_seconds(absl::ToInt64Seconds(*retry_delay));
    delay.set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(*retry_delay - absl::Seconds(delay.seconds()))));
    std::string retry_info;  // google.rpc.RetryInfo{retry_delay = 1}
    WriteLengthDelimited(1, delay.SerializeAsString(), &retry_info);
    google::protobuf::Any any;
    any.set_type_url("type.googleapis.com/google.rpc.RetryInfo");
    any.set_value(retry_info);
    WriteLengthDelimited(3, any.SerializeAsString(), &out);
  }
  return out;
}

std::string EncodeRpcStatusJson(int code, absl::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("code");
  writer.Int(code);
  writer.Key("message");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace weir::otlp
