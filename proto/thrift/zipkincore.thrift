// Zipkin's v1 Thrift span model (zipkincore.thrift, as jaeger-idl and openzipkin publish it): same
// names, field ids and wire types, for POST /api/v1/spans with application/x-thrift and the Jaeger
// agent's emitZipkinBatch.
namespace cpp twitter.zipkin.thrift

// ipv4 in network order packed into an i32; port 0 when unknown.
struct Endpoint {
  1: i32              ipv4
  2: i16              port
  3: string           service_name
  4: optional binary  ipv6
}

// Microseconds since the epoch; value is e.g. "cs", "sr", "ss", "cr".
struct Annotation {
  1: i64               timestamp
  2: string            value
  3: optional Endpoint host
}

enum AnnotationType { BOOL, BYTES, I16, I32, I64, DOUBLE, STRING }

// value holds the bytes of annotation_type: big-endian integers and doubles, UTF-8 strings.
struct BinaryAnnotation {
  1: string            key
  2: binary            value
  3: i32               annotation_type  // AnnotationType; i32 as on the wire, see jaeger.thrift
  4: optional Endpoint host
}

struct Span {
  1:  i64                    trace_id
  3:  string                 name
  4:  i64                    id
  5:  optional i64           parent_id
  6:  list<Annotation>       annotations
  8:  list<BinaryAnnotation> binary_annotations
  9:  optional bool          debug = 0
  10: optional i64           timestamp
  11: optional i64           duration
  12: optional i64           trace_id_high
}

struct Response {
  1: required bool ok
}

service ZipkinCollector {
  list<Response> submitZipkinBatch(1: list<Span> spans)
}
