// Interop with third-party OTLP code: the OpenTelemetry JS SDK sends spans to the real weir
// binary over OTLP/HTTP protobuf and over OTLP/gRPC (its own exporters), weir forwards them
// over OTLP/HTTP to a sink here, and protobufjs decodes what weir sent with the published
// OTLP .proto files. Every field the SDK set must arrive as it was set.
//
//   node otel_js_test.mjs /path/to/weir /path/to/proto-dir
//
// Exits 0 when everything matched; prints what differed and exits 1 otherwise.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { failures, expectEq, hexOf, logReader, waitFor as waitForLog } from './lib.mjs';

const [weirBinary, protoDir] = process.argv.slice(2);
if (!weirBinary || !protoDir) {
  console.error('usage: node otel_js_test.mjs WEIR_BINARY PROTO_DIR');
  process.exit(2);
}


// --- the decoder: protobufjs with the OTLP protos -----------------------------------------
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(protoDir, target);
await root.load('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: true });
const ExportRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ExportResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

// --- the sink weir exports to ---------------------------------------------------------------
const received = [];  // decoded spans with their resource and scope
const sink = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
    if (req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/x-protobuf') {
      failures.push(`weir sent ${req.method} ${req.url} as ${req.headers['content-type']}`);
    }
    const message = ExportRequest.decode(body);  // throws on bytes protobuf would refuse
    const request = ExportRequest.toObject(message, { longs: String, bytes: String });
    for (const rs of request.resource_spans ?? []) {
      for (const ss of rs.scope_spans ?? []) {
        for (const span of ss.spans ?? []) {
          received.push({ resource: rs.resource, scope: ss.scope, span });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end(Buffer.from(ExportResponse.encode(ExportResponse.create({})).finish()));
  });
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkAddress = `127.0.0.1:${sink.address().port}`;

// --- weir --------------------------------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-interop-'));
fs.writeFileSync(path.join(dir, 'weir.yaml'), `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
      http: {endpoint: 127.0.0.1:0}
processors:
  batch: {timeout: 50ms}
exporters:
  otlphttp:
    endpoint: http://${sinkAddress}
    compression: gzip
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
`);
const log = fs.openSync(path.join(dir, 'weir.log'), 'w');
const weir = spawn(weirBinary, ['--config', path.join(dir, 'weir.yaml')],
                   { stdio: ['ignore', 'ignore', log] });
const readLog = logReader(path.join(dir, 'weir.log'));
const waitFor = (predicate, what, ms) => waitForLog(predicate, what, readLog, ms);
let grpcAddress, httpAddress;
try {
  await waitFor(() => /everything is ready/.test(readLog()), 'weir to start');
  grpcAddress = readLog().match(/OTLP\/gRPC listening on (\S+)/)[1];
  httpAddress = readLog().match(/OTLP\/HTTP listening on (\S+)/)[1];

  // --- the SDK: one provider per transport --------------------------------------------------
  function provider(service, exporter) {
    const p = new BasicTracerProvider({
      resource: new Resource({ 'service.name': service, 'deployment.environment': 'interop' }),
    });
    p.addSpanProcessor(new SimpleSpanProcessor(exporter));
    return p;
  }
  const viaHttp = provider('js-over-http',
                           new ProtoExporter({ url: `http://${httpAddress}/v1/traces` }));
  const viaGrpc = provider('js-over-grpc', new GrpcExporter({ url: `http://${grpcAddress}` }));

  const sent = [];  // what each span must arrive as
  for (const [p, service] of [[viaHttp, 'js-over-http'], [viaGrpc, 'js-over-grpc']]) {
    const tracer = p.getTracer('interop-scope', '1.2.3');
    const server = tracer.startSpan('GET /checkout', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.method': 'GET', 'http.status_code': 200, 'ratio': 0.25, 'cached': true,
        'tags': ['a', 'b'], 'unicode': 'žluťoučký kůň 🐎',
      },
    });
    const ctx = trace.setSpan(context.active(), server);
    const client = tracer.startSpan('SELECT orders', {
      kind: SpanKind.CLIENT,
      links: [{ context: server.spanContext(), attributes: { 'link.reason': 'retry' } }],
    }, ctx);
    client.addEvent('retry', { attempt: 2 });
    client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    client.end();
    server.end();
    sent.push({ service, span: server, kind: 2, parent: '' });
    sent.push({ service, span: client, kind: 3, parent: server.spanContext().spanId });
    await p.forceFlush();
  }

  await waitFor(() => received.length >= sent.length, `${sent.length} spans at the sink`);

  // --- compare ------------------------------------------------------------------------------
  // Arrays of strings too, which the SDK test sends.
  const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => {
    const v = kv.value;
    if ('string_value' in v) return [kv.key, v.string_value];
    if ('int_value' in v) return [kv.key, Number(v.int_value)];
    if ('double_value' in v) return [kv.key, v.double_value];
    if ('bool_value' in v) return [kv.key, v.bool_value];
    if ('array_value' in v) return [kv.key, v.array_value.values.map((x) => x.string_value)];
    return [kv.key, '?'];
  }));
  expectEq('span count', received.length, sent.length);
  for (const want of sent) {
    const sc = want.span.spanContext();
    const got = received.find((r) => hexOf(r.span.span_id) === sc.spanId);
    if (!got) {
      failures.push(`span ${want.span.name} (${sc.spanId}) did not arrive`);
      continue;
    }
    const s = got.span;
    const where = `${want.service} ${want.span.name}`;
    expectEq(`${where} trace id`, hexOf(s.trace_id), sc.traceId);
    expectEq(`${where} parent`, hexOf(s.parent_span_id), want.parent);
    expectEq(`${where} name`, s.name, want.span.name);
    expectEq(`${where} kind`, s.kind, want.kind);
    expectEq(`${where} start`, s.start_time_unix_nano,
             (BigInt(want.span.startTime[0]) * 1000000000n + BigInt(want.span.startTime[1]))
               .toString());
    expectEq(`${where} end`, s.end_time_unix_nano,
             (BigInt(want.span.endTime[0]) * 1000000000n + BigInt(want.span.endTime[1]))
               .toString());
    expectEq(`${where} attributes`, attrs(s.attributes), want.span.attributes);
    expectEq(`${where} resource`, attrs(got.resource.attributes)['service.name'], want.service);
    expectEq(`${where} environment`, attrs(got.resource.attributes)['deployment.environment'],
             'interop');
    expectEq(`${where} scope`, [got.scope.name, got.scope.version], ['interop-scope', '1.2.3']);
    if (want.kind === 3) {
      expectEq(`${where} status`, [s.status?.code, s.status?.message], [2, 'upstream timeout']);
      expectEq(`${where} events`, (s.events ?? []).map((e) => [e.name, attrs(e.attributes)]),
               [['retry', { attempt: 2 }]]);
      expectEq(`${where} links`, (s.links ?? []).map((l) => [hexOf(l.span_id), attrs(l.attributes)]),
               [[want.parent, { 'link.reason': 'retry' }]]);
    }
  }
  await viaHttp.shutdown();
  await viaGrpc.shutdown();
} catch (e) {
  failures.push(String(e.stack ?? e));
} finally {
  weir.kill('SIGTERM');
  await new Promise((r) => weir.once('exit', r));
  sink.close();
}
if (weir.exitCode !== 0 && weir.exitCode !== null) failures.push(`weir exited ${weir.exitCode}`);

if (failures.length > 0) {
  console.error(`interop: ${failures.length} problem(s)\n  ` + failures.join('\n  '));
  console.error('weir log:\n' + readLog());
  process.exit(1);
}
console.log(`interop: ${received.length} spans from the OpenTelemetry JS SDK (HTTP and gRPC ` +
            'exporters) arrived through weir as sent, decoded by protobufjs');
fs.rmSync(dir, { recursive: true, force: true });
