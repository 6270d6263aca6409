// The Jaeger agent's UDP interface (jaeger-idl thrift/agent.thrift): one-way calls, one per
// datagram, in the compact protocol on 6831 and the binary protocol on 6832.
include "jaeger.thrift"
include "zipkincore.thrift"

namespace cpp jaegertracing.agent.thrift

service Agent {
  oneway void emitZipkinBatch(1: list<zipkincore.Span> spans)
  oneway void emitBatch(1: jaeger.Batch batch)
}
