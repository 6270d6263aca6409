// Interop with third-party Zipkin code, both directions, through the real weir binary:
//
//   zipkin-js (Zipkin's Node.js tracer, with zipkin-transport-http's HttpLogger sending JSON v2
//   and JSON v1; the same spans encoded as a protobuf ListOfSpans; a v1 Thrift list encoded by
//   thriftrw with zipkincore.thrift) → weir `zipkin`
//   receiver → weir otlphttp exporter → a sink here that decodes OTLP with protobufjs: every
//   field zipkin-js set must arrive with Zipkin's mapping to OTLP.
//
//   OpenTelemetry JS SDK with @opentelemetry/exporter-zipkin → weir `zipkin` receiver (with
//   parse_string_tags) → weir otlphttp exporter → the same sink.
//
//   OpenTelemetry JS SDK → weir `otlp` receiver → weir `zipkin` exporters (format json and
//   format proto) → a collector here that decodes the JSON with JSON.parse and the protobuf with
//   protobufjs and Zipkin's published protobuf schema: every span must arrive with Zipkin's
//   mapping.
//
//   node zipkin_test.mjs /path/to/weir /path/to/proto-dir
//
// Exits 0 when everything matched; prints what differed and exits 1 otherwise.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import thriftrw from 'thriftrw';
import zipkin from 'zipkin';
import zipkinHttp from 'zipkin-transport-http';
import { failures, expectEq, logReader, waitFor as waitForLog, hexOf, attrs } from './lib.mjs';

const { Annotation, BatchRecorder, ExplicitContext, InetAddress, Tracer, jsonEncoder } = zipkin;
const { HttpLogger } = zipkinHttp;

const [weirBinary, protoDir] = process.argv.slice(2);
if (!weirBinary || !protoDir) {
  console.error('usage: node zipkin_test.mjs WEIR_BINARY PROTO_DIR');
  process.exit(2);
}

// Objects compared with their keys sorted, so the order weir writes them in does not matter.
const sorted = (o) => (o && typeof o === 'object' && !Array.isArray(o)
  ? Object.fromEntries(Object.keys(o).sort().map((k) => [k, sorted(o[k])])) : o);
const expectSame = (what, got, want) => expectEq(what, sorted(got), sorted(want));

// --- decoders ----------------------------------------------------------------------------------
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(protoDir, target);
await root.load('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: true });
// Zipkin's v2 protobuf schema as openzipkin publishes it (zipkin-api's zipkin.proto), declared
// here rather than loaded from weir's proto/ folder: weir's copy holds the tags as a list of
// key/value messages, and this checks that its bytes are those of the published
// map<string, string>.
root.add(protobuf.Root.fromJSON({ nested: { zipkin: { nested: { proto3: { nested: {
  Span: { fields: {
    trace_id: { type: 'bytes', id: 1 }, parent_id: { type: 'bytes', id: 2 },
    id: { type: 'bytes', id: 3 }, kind: { type: 'Kind', id: 4 }, name: { type: 'string', id: 5 },
    timestamp: { type: 'fixed64', id: 6 }, duration: { type: 'uint64', id: 7 },
    local_endpoint: { type: 'Endpoint', id: 8 }, remote_endpoint: { type: 'Endpoint', id: 9 },
    annotations: { rule: 'repeated', type: 'Annotation', id: 10 },
    tags: { keyType: 'string', type: 'string', id: 11 },
    debug: { type: 'bool', id: 12 }, shared: { type: 'bool', id: 13 } },
    nested: { Kind: { values: {
      SPAN_KIND_UNSPECIFIED: 0, CLIENT: 1, SERVER: 2, PRODUCER: 3, CONSUMER: 4 } } } },
  Endpoint: { fields: {
    service_name: { type: 'string', id: 1 }, ipv4: { type: 'bytes', id: 2 },
    ipv6: { type: 'bytes', id: 3 }, port: { type: 'int32', id: 4 } } },
  Annotation: { fields: { timestamp: { type: 'fixed64', id: 1 }, value: { type: 'string', id: 2 } } },
  ListOfSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 1 } } },
} } } } } }).lookup('zipkin'));
const ExportRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ExportResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const ListOfSpans = root.lookupType('zipkin.proto3.ListOfSpans');

// --- the OTLP sink (for Zipkin clients → weir) and the Zipkin collector (for weir → Zipkin) ----
const otlpSpans = [];
const otlpSink = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
    const request = ExportRequest.toObject(ExportRequest.decode(body),
                                           { longs: String, bytes: String });
    for (const rs of request.resource_spans ?? []) {
      for (const ss of rs.scope_spans ?? []) {
        for (const span of ss.spans ?? []) {
          otlpSpans.push({ resource: rs.resource, scope: ss.scope, span });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end(Buffer.from(ExportResponse.encode(ExportResponse.create({})).finish()));
  });
});

// What weir's zipkin exporters send, each span in one form: the JSON v2 field names, ids as hex,
// ipv4 as text, times as strings of microseconds.
const ipText = (b64) => (b64 ? [...Buffer.from(b64, 'base64')].join('.') : undefined);
const fromProtoEndpoint = (e) => e && Object.fromEntries(Object.entries({
  serviceName: e.service_name, ipv4: ipText(e.ipv4), port: e.port,
}).filter(([, v]) => v !== undefined && v !== ''));
const zipkinSpans = { json: [], proto: [] };
const zipkinCollector = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    try {
      if (req.url === '/json/api/v2/spans' && req.headers['content-type'] === 'application/json') {
        const list = JSON.parse(body.toString('utf8'));
        if (!Array.isArray(list)) throw new Error('not a JSON array');
        for (const s of list) {
          zipkinSpans.json.push({
            ...s,
            timestamp: s.timestamp === undefined ? undefined : String(s.timestamp),
            duration: s.duration === undefined ? undefined : String(s.duration),
            annotations: s.annotations?.map((a) => ({ timestamp: String(a.timestamp),
                                                      value: a.value })),
          });
        }
      } else if (req.url === '/proto/api/v2/spans' &&
                 req.headers['content-type'] === 'application/x-protobuf') {
        const list = ListOfSpans.toObject(ListOfSpans.decode(body),
                                          { longs: String, bytes: String, enums: String });
        for (const s of list.spans ?? []) {
          const hex = (b64) => (b64 ? Buffer.from(b64, 'base64').toString('hex') : undefined);
          zipkinSpans.proto.push({
            traceId: hex(s.trace_id),
            id: hex(s.id),
            parentId: hex(s.parent_id),
            kind: s.kind,
            name: s.name,
            timestamp: s.timestamp,
            duration: s.duration,
            localEndpoint: fromProtoEndpoint(s.local_endpoint),
            remoteEndpoint: fromProtoEndpoint(s.remote_endpoint),
            annotations: s.annotations?.map((a) => ({ timestamp: a.timestamp, value: a.value })),
            tags: s.tags,
            debug: s.debug,
            shared: s.shared,
          });
        }
      } else {
        failures.push(`weir sent ${req.method} ${req.url} as ${req.headers['content-type']}`);
      }
    } catch (e) {
      failures.push(`cannot decode what weir sent to ${req.url}: ${e}`);
    }
    res.writeHead(202);
    res.end();
  });
});
await new Promise((resolve) => otlpSink.listen(0, '127.0.0.1', resolve));
await new Promise((resolve) => zipkinCollector.listen(0, '127.0.0.1', resolve));
const collectorUrl = `http://127.0.0.1:${zipkinCollector.address().port}`;

// --- weir ----------------------------------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-zipkin-interop-'));
fs.writeFileSync(path.join(dir, 'weir.yaml'), `
receivers:
  zipkin:
    endpoint: 127.0.0.1:0
  zipkin/typed:
    endpoint: 127.0.0.1:0
    parse_string_tags: true
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:0}
processors:
  batch: {timeout: 50ms}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${otlpSink.address().port}
  zipkin/json:
    endpoint: ${collectorUrl}/json/api/v2/spans
    format: json
  zipkin/proto:
    endpoint: ${collectorUrl}/proto/api/v2/spans
    format: proto
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces/from-zipkin: {receivers: [zipkin, zipkin/typed], processors: [batch], exporters: [otlphttp]}
    traces/to-zipkin: {receivers: [otlp], processors: [batch], exporters: [zipkin/json, zipkin/proto]}
`);
const log = fs.openSync(path.join(dir, 'weir.log'), 'w');
const weir = spawn(weirBinary, ['--config', path.join(dir, 'weir.yaml')],
                   { stdio: ['ignore', 'ignore', log] });
const readLog = logReader(path.join(dir, 'weir.log'));
const waitFor = (predicate, what, ms) => waitForLog(predicate, what, readLog, ms);

const events = (list) => (list ?? []).map((e) => ({
  name: e.name, time: e.time_unix_nano, attributes: attrs(e.attributes),
}));
// Microseconds of an OpenTelemetry HrTime, as @opentelemetry/core's hrTimeToMicroseconds.
const hrMicros = (t) => Math.round(t[0] * 1e6 + t[1] / 1e3);
const hrNanos = (t) => BigInt(t[0]) * 1000000000n + BigInt(t[1]);
// Rounded microseconds of nanoseconds, as Zipkin wants them (half up).
const roundMicros = (ns) => (ns / 1000n + (ns % 1000n >= 500n ? 1n : 0n)).toString();

try {
  await waitFor(() => /everything is ready/.test(readLog()), 'weir to start');
  const zipkinAddress = (id) => {
    const m = readLog().match(new RegExp(`${id}: Zipkin listening on (\\S+)`));
    if (!m) throw new Error(`no listening address for ${id} in the log\n${readLog()}`);
    return m[1];
  };
  const plainAddress = zipkinAddress('zipkin');
  const typedAddress = zipkinAddress('zipkin/typed');
  const otlpAddress = readLog().match(/OTLP\/HTTP listening on (\S+)/)[1];
  const testStartMicros = Date.now() * 1000 - 1000000;

  // --- zipkin-js → weir → OTLP --------------------------------------------------------------------
  // One trace per transport: a server span with a local child and a client child.
  function zipkinJsTrace(service, logger) {
    const recorded = [];  // zipkin-js's own model spans, as handed to the transport
    const recorder = new BatchRecorder({
      logger: { logSpan(span) { recorded.push(span); logger.logSpan(span); } },
    });
    const tracer = new Tracer({
      ctxImpl: new ExplicitContext(), recorder, localServiceName: service,
      defaultTags: { 'deployment.environment': 'interop' },
      log: { info() {}, error(e) { failures.push(`zipkin-js: ${e}`); } },
    });
    tracer.scoped(() => {
      tracer.setId(tracer.createRootId());
      tracer.recordServiceName(service);
      tracer.recordRpc('GET /Orders');
      tracer.recordAnnotation(new Annotation.ServerRecv());
      tracer.recordLocalAddr({ host: new InetAddress('10.1.2.3'), port: 8080 });
      tracer.recordClientAddr({ host: new InetAddress('192.168.0.7'), port: 40000 });
      tracer.recordBinary('http.path', '/orders');
      tracer.recordBinary('http.status_code', 200);
      tracer.recordMessage('cache miss');
      tracer.local('Compute Total', () => tracer.recordBinary('order.items', 3));
      tracer.scoped(() => {
        tracer.setId(tracer.createChildId());
        tracer.recordServiceName(service);
        tracer.recordRpc('SELECT orders');
        tracer.recordAnnotation(new Annotation.ClientSend());
        tracer.recordServerAddr({ serviceName: 'Postgres', host: new InetAddress('10.0.0.5'),
                                  port: 5432 });
        tracer.recordBinary('db.system', 'postgresql');
        tracer.recordBinary('error', 'connection reset');
        tracer.recordAnnotation(new Annotation.ClientRecv());
      });
      tracer.recordAnnotation(new Annotation.ServerSend());
    });
    const byName = (name) => recorded.find((s) => s.name === name);
    return { service, recorded, server: byName('get /orders'), local: byName('compute total'),
             client: byName('select orders') };
  }

  // JSON v2 with zipkin-transport-http, as an application would send it.
  let httpSent = 0;
  const httpLogger = new HttpLogger({
    endpoint: `http://${plainAddress}/api/v2/spans`, jsonEncoder: jsonEncoder.JSON_V2,
    httpInterval: 20, fetchImplementation: globalThis.fetch,
  });
  httpLogger.on('error', (e) => failures.push(`zipkin-transport-http: ${e.message}`));
  httpLogger.on('success', () => { httpSent += 1; });
  const viaJson = zipkinJsTrace('Zipkin-JS-JSON', httpLogger);

  // The same model as a protobuf ListOfSpans (zipkin.proto), POSTed as application/x-protobuf.
  const protoQueue = [];
  const viaProto = zipkinJsTrace('Zipkin-JS-Proto', { logSpan(span) { protoQueue.push(span); } });
  const toProtoEndpoint = (e) => e && {
    service_name: e.serviceName, port: e.port,
    ipv4: e.ipv4 ? Buffer.from(e.ipv4.split('.').map(Number)) : undefined,
  };
  const protoBody = ListOfSpans.encode(ListOfSpans.fromObject({
    spans: protoQueue.map((s) => ({
      trace_id: Buffer.from(s.traceId, 'hex'), id: Buffer.from(s.id, 'hex'),
      parent_id: s.parentId ? Buffer.from(s.parentId, 'hex') : undefined,
      kind: s.kind ?? 'SPAN_KIND_UNSPECIFIED', name: s.name,
      timestamp: s.timestamp, duration: s.duration,
      local_endpoint: toProtoEndpoint(s.localEndpoint),
      remote_endpoint: toProtoEndpoint(s.remoteEndpoint),
      annotations: s.annotations.map((a) => ({ timestamp: a.timestamp, value: a.value })),
      tags: s.tags,
    })),
  })).finish();
  const protoResponse = await fetch(`http://${plainAddress}/api/v2/spans`, {
    method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: protoBody,
  });
  expectEq('zipkin.proto ListOfSpans POST status', protoResponse.status, 202);

  // Zipkin v1 JSON, zipkin-js's default encoder (core annotations, "sa"/"ca": true), to
  // /api/v1/spans: the same spans must arrive as from v2.
  let v1Sent = 0;
  const v1Logger = new HttpLogger({
    endpoint: `http://${plainAddress}/api/v1/spans`, jsonEncoder: jsonEncoder.JSON_V1,
    httpInterval: 20, fetchImplementation: globalThis.fetch,
  });
  v1Logger.on('error', (e) => failures.push(`zipkin-transport-http (v1): ${e.message}`));
  v1Logger.on('success', () => { v1Sent += 1; });
  const viaV1 = zipkinJsTrace('Zipkin-JS-V1', v1Logger);

  const nowMicros = () => Date.now() * 1000 + 1000000;
  const fromZipkinJs = [viaJson, viaProto, viaV1];
  const wantCount = fromZipkinJs.reduce((n, t) => n + t.recorded.length, 0);
  await waitFor(() => otlpSpans.length >= wantCount, `${wantCount} zipkin-js spans at the OTLP sink`);
  expectEq('zipkin-transport-http requests accepted', httpSent >= 1, true);
  expectEq('zipkin-transport-http v1 requests accepted', v1Sent >= 1, true);
  for (const t of fromZipkinJs) {
    expectEq(`${t.service}: spans zipkin-js reported`, t.recorded.length, 3);
    expectEq(`${t.service}: spans found by name`, [!!t.server, !!t.local, !!t.client],
             [true, true, true]);
    if (!t.server || !t.local || !t.client) continue;
    expectEq(`${t.service}: 64-bit trace id`, t.server.traceId.length, 16);
    const service = t.service.toLowerCase();  // zipkin-js lowercases service names
    for (const [zs, want] of [
      [t.server, {
        name: 'get /orders', kind: 2, parent: '', status: { code: 0, message: '' },
        attributes: {
          'http.path': '/orders', 'http.status_code': '200',
          'network.local.address': '10.1.2.3', 'net.host.port': 8080,
          'network.peer.address': '192.168.0.7', 'net.peer.port': 40000,
        },
        events: ['cache miss'],
      }],
      [t.local, {
        name: 'compute total', kind: 0, parent: t.server.id, status: { code: 0, message: '' },
        attributes: { 'order.items': '3' }, events: [],
      }],
      [t.client, {
        name: 'select orders', kind: 3, parent: t.server.id,
        status: { code: 2, message: 'connection reset' },
        attributes: {
          'db.system': 'postgresql', 'service.peer.name': 'postgres',
          'network.peer.address': '10.0.0.5', 'net.peer.port': 5432,
        },
        events: [],
      }],
    ]) {
      const where = `${t.service} ${want.name}`;
      const got = otlpSpans.find((r) => hexOf(r.span.span_id) === zs.id);
      if (!got) {
        failures.push(`${where} (${zs.id}) did not arrive`);
        continue;
      }
      const s = got.span;
      expectEq(`${where} name from zipkin-js`, zs.name, want.name);
      expectEq(`${where} name`, s.name, want.name);
      expectEq(`${where} trace id`, hexOf(s.trace_id), zs.traceId.padStart(32, '0'));
      expectEq(`${where} parent`, hexOf(s.parent_span_id), want.parent);
      expectEq(`${where} parent from zipkin-js`, zs.parentId ?? '', want.parent);
      expectEq(`${where} kind`, s.kind ?? 0, want.kind);
      expectEq(`${where} status`, { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
               want.status);
      expectEq(`${where} start`, s.start_time_unix_nano, (BigInt(zs.timestamp) * 1000n).toString());
      expectEq(`${where} end`, s.end_time_unix_nano,
               (BigInt(zs.timestamp + zs.duration) * 1000n).toString());
      expectEq(`${where} plausible timing`,
               zs.timestamp > testStartMicros && zs.timestamp < nowMicros() &&
               zs.duration >= 1 && zs.duration < 10000000, true);
      expectSame(`${where} resource`, attrs(got.resource.attributes),
                 { 'service.name': service, 'deployment.environment': 'interop' });
      expectSame(`${where} attributes`, attrs(s.attributes), want.attributes);
      expectEq(`${where} events`, events(s.events),
               want.events.map((name) => ({
                 name,
                 time: (BigInt(zs.annotations.find((a) => a.value === name).timestamp) * 1000n)
                   .toString(),
                 attributes: {},
               })));
    }
    const server = otlpSpans.find((r) => hexOf(r.span.span_id) === t.server.id)?.span;
    const client = otlpSpans.find((r) => hexOf(r.span.span_id) === t.client.id)?.span;
    if (server && client) {
      expectEq(`${t.service}: client within server`,
               BigInt(client.start_time_unix_nano) >= BigInt(server.start_time_unix_nano) &&
               BigInt(client.end_time_unix_nano) <= BigInt(server.end_time_unix_nano), true);
    }
  }

  // --- Zipkin v1 Thrift (thriftrw with zipkincore.thrift, as jaeger-client ships it) → weir ------
  {
    const require = createRequire(import.meta.url);
    const zipkincore = new thriftrw.Thrift({
      source: fs.readFileSync(path.join(path.dirname(require.resolve('jaeger-client')),
                                        'jaeger-idl/thrift/zipkincore.thrift'), 'ascii'),
      allowOptionalArguments: true, strict: false,
    });
    const host = { ipv4: (10 << 24) | 7, port: 40000 - 65536, service_name: 'thrift-v1' };
    const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };
    const span = {
      // This copy of zipkincore.thrift predates trace_id_high: a 64-bit trace id.
      trace_id: i64(0x1122), name: 'thrift op', id: i64(0x33),
      annotations: [
        { timestamp: i64(1700000000000000), value: 'sr', host },
        { timestamp: i64(1700000000000500), value: 'cache', host },
        { timestamp: i64(1700000000002000), value: 'ss', host },
      ],
      binary_annotations: [
        { key: 'http.path', value: Buffer.from('/v1'), annotation_type: 'STRING', host },
        { key: 'retries', value: Buffer.from([0, 0, 0, 3]), annotation_type: 'I32', host },
      ],
    };
    // The body is a binary-protocol list<Span>: element type STRUCT (12), an i32 count, then the
    // spans as thriftrw encodes them.
    const header = Buffer.alloc(5);
    header.writeUInt8(12, 0);
    header.writeInt32BE(1, 1);
    const body = Buffer.concat([header, zipkincore.Span.toBuffer(span)]);
    const response = await fetch(`http://${plainAddress}/api/v1/spans`, {
      method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body,
    });
    expectEq('Zipkin v1 Thrift POST status', response.status, 202);
    await waitFor(() => otlpSpans.some((r) => r.span.name === 'thrift op'),
                  'the v1 Thrift span at the OTLP sink');
    const got = otlpSpans.find((r) => r.span.name === 'thrift op');
    if (got) {
      expectEq('v1 Thrift trace id', hexOf(got.span.trace_id), '00000000000000000000000000001122');
      expectEq('v1 Thrift span id', hexOf(got.span.span_id), '0000000000000033');
      expectEq('v1 Thrift kind', got.span.kind ?? 0, 2);
      expectEq('v1 Thrift start', got.span.start_time_unix_nano, '1700000000000000000');
      expectEq('v1 Thrift end', got.span.end_time_unix_nano, '1700000000002000000');
      expectSame('v1 Thrift resource', attrs(got.resource.attributes), { 'service.name': 'thrift-v1' });
      expectSame('v1 Thrift attributes', attrs(got.span.attributes), {
        'http.path': '/v1', retries: '3', 'network.local.address': '10.0.0.7',
        'net.host.port': 40000,
      });
      expectEq('v1 Thrift events', (got.span.events ?? []).map((e) => e.name), ['cache']);
    }
  }

  // --- OpenTelemetry SDK with its Zipkin exporter → weir (parse_string_tags) → OTLP -----------------
  const t0 = Math.floor(Date.now() / 1000) - 5;
  const exporterResults = [];
  const zipkinExporter = new ZipkinExporter({ url: `http://${typedAddress}/api/v2/spans` });
  const checkedExporter = {
    export(spans, done) {
      zipkinExporter.export(spans, (result) => {
        exporterResults.push(result);
        if (result.code !== 0) failures.push(`ZipkinExporter: ${result.error}`);
        done(result);
      });
    },
    shutdown: () => zipkinExporter.shutdown(),
    forceFlush: () => Promise.resolve(),
  };
  const zipkinProvider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': 'otel-js-zipkin', 'deployment.environment': 'interop' }),
  });
  zipkinProvider.addSpanProcessor(new SimpleSpanProcessor(checkedExporter));
  const zTracer = zipkinProvider.getTracer('zipkin-scope', '4.5.6');
  const zServer = zTracer.startSpan('POST /pay', {
    kind: SpanKind.SERVER, startTime: [t0, 100000000],
    attributes: { 'http.method': 'POST', 'http.status_code': 500, 'ratio': 0.5, 'retry': false },
  });
  zServer.addEvent('payment declined', { 'card.brand': 'visa' }, [t0, 200000000]);
  const zChild = zTracer.startSpan('validate card', {
    kind: SpanKind.INTERNAL, startTime: [t0, 150000000], attributes: { 'card.checks': 3 },
  }, trace.setSpan(context.active(), zServer));
  zChild.end([t0, 180000000]);
  zServer.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  zServer.end([t0, 300000000]);
  await zipkinProvider.forceFlush();
  const zResource = {};
  for (const [k, v] of Object.entries(zServer.resource.attributes)) zResource[k] = v;
  await waitFor(() => [zServer, zChild].every((sp) => otlpSpans.some(
    (r) => hexOf(r.span.span_id) === sp.spanContext().spanId)), 'ZipkinExporter spans at the sink');
  expectEq('ZipkinExporter exports', exporterResults.map((r) => r.code), [0, 0]);
  for (const [sp, want] of [
    [zServer, {
      kind: 2, parent: '', status: { code: 2, message: 'card declined' },
      // parse_string_tags gives the exporter's stringified values their types back.
      attributes: { 'http.method': 'POST', 'http.status_code': 500, 'ratio': 0.5, 'retry': false },
      // The OpenTelemetry Zipkin exporter keeps only the event name.
      events: [{ name: 'payment declined', time: `${BigInt(hrMicros(zServer.events[0].time)) * 1000n}`,
                 attributes: {} }],
    }],
    [zChild, {
      // Zipkin has no INTERNAL kind: the exporter leaves it out, so it arrives unspecified.
      kind: 0, parent: zServer.spanContext().spanId, status: { code: 0, message: '' },
      attributes: { 'card.checks': 3 }, events: [],
    }],
  ]) {
    const sc = sp.spanContext();
    const where = `ZipkinExporter ${sp.name}`;
    const got = otlpSpans.find((r) => hexOf(r.span.span_id) === sc.spanId);
    const s = got.span;
    expectEq(`${where} name`, s.name, sp.name);
    expectEq(`${where} trace id`, hexOf(s.trace_id), sc.traceId);
    expectEq(`${where} parent`, hexOf(s.parent_span_id), want.parent);
    expectEq(`${where} kind`, s.kind ?? 0, want.kind);
    expectEq(`${where} status`, { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
             want.status);
    const startUs = hrMicros(sp.startTime);
    expectEq(`${where} start`, s.start_time_unix_nano, (BigInt(startUs) * 1000n).toString());
    expectEq(`${where} end`, s.end_time_unix_nano,
             (BigInt(startUs + Math.round(hrMicros(sp.duration))) * 1000n).toString());
    expectSame(`${where} resource`, attrs(got.resource.attributes), {
      'service.name': 'otel-js-zipkin', 'deployment.environment': 'interop',
      'telemetry.sdk.language': zResource['telemetry.sdk.language'],
      'telemetry.sdk.name': zResource['telemetry.sdk.name'],
      'telemetry.sdk.version': zResource['telemetry.sdk.version'],
    });
    expectEq(`${where} SDK resource`, [zResource['telemetry.sdk.language'],
                                       zResource['telemetry.sdk.name']], ['nodejs', 'opentelemetry']);
    expectSame(`${where} attributes`, attrs(s.attributes), want.attributes);
    expectEq(`${where} events`, events(s.events), want.events);
  }

  // --- OpenTelemetry SDK → weir → Zipkin (JSON and protobuf) ----------------------------------------
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': 'otel-js', 'deployment.environment': 'interop' }),
  });
  provider.addSpanProcessor(new SimpleSpanProcessor(
    new ProtoExporter({ url: `http://${otlpAddress}/v1/traces` })));
  const tracer = provider.getTracer('interop-scope', '1.2.3');
  const rootSpan = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER, startTime: [t0, 123456789],
    attributes: {
      'http.method': 'GET', 'http.status_code': 200, 'ratio': 0.25, 'cached': true,
      'tags': ['a', 'b'], 'network.local.address': '10.1.2.3', 'network.local.port': 8080,
    },
  });
  rootSpan.addEvent('cache miss', [t0, 200000000]);
  rootSpan.addEvent('retry', { attempt: 2 }, [t0, 300000400]);
  const ctx = trace.setSpan(context.active(), rootSpan);
  const clientSpan = tracer.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT, startTime: [t0, 400000000],
    attributes: {
      'db.system': 'postgresql', 'peer.service': 'postgres',
      'network.peer.address': '10.0.0.5', 'network.peer.port': 5432,
    },
  }, ctx);
  clientSpan.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
  clientSpan.end([t0, 450000500]);
  const internalSpan = tracer.startSpan('compute total', {
    kind: SpanKind.INTERNAL, startTime: [t0, 500000000],
  }, ctx);
  internalSpan.end([t0, 600000000]);
  rootSpan.end([t0, 900000211]);
  await provider.forceFlush();
  const want = [rootSpan, clientSpan, internalSpan];
  await waitFor(() => zipkinSpans.json.length >= want.length && zipkinSpans.proto.length >= want.length,
                'spans at the Zipkin collector (JSON and protobuf)');
  expectEq('spans at the Zipkin collector', [zipkinSpans.json.length, zipkinSpans.proto.length],
           [want.length, want.length]);

  const resourceTags = {};
  for (const [k, v] of Object.entries(rootSpan.resource.attributes)) {
    if (k !== 'service.name') resourceTags[k] = String(v);
  }
  const base = { ...resourceTags, 'otel.library.name': 'interop-scope',
                 'otel.library.version': '1.2.3' };
  const us = (hr) => roundMicros(hrNanos(hr));
  const expected = new Map([
    [rootSpan, {
      parentId: undefined, kind: 'SERVER',
      localEndpoint: { serviceName: 'otel-js', ipv4: '10.1.2.3', port: 8080 },
      remoteEndpoint: undefined,
      annotations: [
        { timestamp: us([t0, 200000000]), value: 'cache miss' },
        { timestamp: us([t0, 300000400]), value: 'retry|{"attempt":2}|0' },
      ],
      tags: { ...base, 'http.method': 'GET', 'http.status_code': '200', 'ratio': '0.25',
              'cached': 'true', 'tags': '["a","b"]' },
    }],
    [clientSpan, {
      parentId: rootSpan.spanContext().spanId, kind: 'CLIENT',
      localEndpoint: { serviceName: 'otel-js' },
      remoteEndpoint: { serviceName: 'postgres', ipv4: '10.0.0.5', port: 5432 },
      annotations: undefined,
      tags: { ...base, 'db.system': 'postgresql', 'otel.status_code': 'ERROR',
              'error': 'connection reset', 'otel.status_description': 'connection reset' },
    }],
    [internalSpan, {
      parentId: rootSpan.spanContext().spanId, kind: undefined,
      localEndpoint: { serviceName: 'otel-js' }, remoteEndpoint: undefined, annotations: undefined,
      tags: { ...base, 'span.kind': 'internal' },
    }],
  ]);
  expectEq('SDK resource', [resourceTags['telemetry.sdk.language'],
                            resourceTags['deployment.environment']], ['nodejs', 'interop']);
  // Times the SDK was given, in Zipkin's rounded microseconds.
  expectEq('root timestamp', us(rootSpan.startTime), `${t0}123457`);
  expectEq('root duration', roundMicros(hrNanos(rootSpan.endTime) - hrNanos(rootSpan.startTime)),
           '776543');
  expectEq('client duration',
           roundMicros(hrNanos(clientSpan.endTime) - hrNanos(clientSpan.startTime)), '50001');
  for (const format of ['json', 'proto']) {
    for (const span of want) {
      const sc = span.spanContext();
      const where = `otel-js ${span.name} (zipkin ${format})`;
      const got = zipkinSpans[format].find((s) => s.id === sc.spanId);
      if (!got) {
        failures.push(`${where} did not reach the Zipkin collector`);
        continue;
      }
      const w = expected.get(span);
      expectEq(`${where} trace id`, got.traceId, sc.traceId);
      expectEq(`${where} parent id`, got.parentId, w.parentId);
      expectEq(`${where} name`, got.name, span.name);
      expectEq(`${where} kind`, got.kind, w.kind);
      expectEq(`${where} timestamp`, got.timestamp, us(span.startTime));
      expectEq(`${where} duration`, got.duration,
               roundMicros(hrNanos(span.endTime) - hrNanos(span.startTime)));
      expectEq(`${where} localEndpoint`, got.localEndpoint, w.localEndpoint);
      expectEq(`${where} remoteEndpoint`, got.remoteEndpoint, w.remoteEndpoint);
      expectEq(`${where} annotations`, got.annotations, w.annotations);
      expectSame(`${where} tags`, got.tags, w.tags);
      expectEq(`${where} debug/shared`, [!!got.debug, !!got.shared], [false, false]);
    }
  }
} catch (e) {
  failures.push(String(e.stack ?? e));
} finally {
  if (weir.exitCode === null && weir.signalCode === null) {
    weir.kill('SIGTERM');
    await new Promise((resolve) => weir.once('exit', resolve));
  }
  otlpSink.close();
  zipkinCollector.close();
}
if (weir.exitCode !== 0 && weir.exitCode !== null) failures.push(`weir exited ${weir.exitCode}`);

if (failures.length > 0) {
  console.error(`zipkin interop: ${failures.length} problem(s)\n  ` + failures.join('\n  '));
  console.error('weir log:\n' + readLog());
  process.exit(1);
}
console.log('zipkin interop: zipkin-js spans (JSON v2 and v1 over HTTP, protobuf), a thriftrw ' +
            'v1 Thrift span and OpenTelemetry ZipkinExporter spans arrived through weir as OTLP, and OpenTelemetry SDK spans ' +
            'reached a Zipkin collector as JSON v2 and protobuf, field for field');
fs.rmSync(dir, { recursive: true, force: true });
