// Interop with third-party Jaeger code, both directions, through the real weir binary:
//
//   jaeger-client (Jaeger's Node.js client) → weir `jaeger` receiver (UDP agent port, binary
//   Thrift; and Thrift over HTTP) → weir otlphttp exporter → a sink here that decodes OTLP with
//   protobufjs: every field the client set must arrive.
//
//   OpenTelemetry JS SDK → weir `otlp` receiver → weir `jaeger` exporter (thrift_http) → a
//   collector here that decodes the Thrift Batch with thriftrw and jaeger-client's own copy of
//   jaeger.thrift: every span must arrive with Jaeger's mapping.
//
//   node jaeger_test.mjs /path/to/weir /path/to/proto-dir
//
// Exits 0 when everything matched; prints what differed and exits 1 otherwise.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import jaegerClient from 'jaeger-client';
import protobuf from 'protobufjs';
import thriftrw from 'thriftrw';
import { failures, expectEq, logReader, waitFor as waitForLog, hexOf, attrs } from './lib.mjs';

const require = createRequire(import.meta.url);
const [weirBinary, protoDir] = process.argv.slice(2);
if (!weirBinary || !protoDir) {
  console.error('usage: node jaeger_test.mjs WEIR_BINARY PROTO_DIR');
  process.exit(2);
}


// --- decoders ----------------------------------------------------------------------------------
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(protoDir, target);
await root.load('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: true });
const ExportRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ExportResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const jaegerThrift = new thriftrw.Thrift({
  source: fs.readFileSync(
    path.join(path.dirname(require.resolve('jaeger-client')), 'jaeger-idl/thrift/jaeger.thrift'),
    'ascii'),
  allowOptionalArguments: true,
});

// --- the OTLP sink (for Jaeger clients → weir) and the Jaeger collector (for weir → Jaeger) ----
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
        for (const span of ss.spans ?? []) otlpSpans.push({ resource: rs.resource, span });
      }
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end(Buffer.from(ExportResponse.encode(ExportResponse.create({})).finish()));
  });
});
const jaegerBatches = [];
const jaegerCollector = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url !== '/api/traces' || req.headers['content-type'] !== 'application/x-thrift') {
      failures.push(`weir sent ${req.method} ${req.url} as ${req.headers['content-type']}`);
    }
    try {
      jaegerBatches.push(jaegerThrift.Batch.fromBuffer(Buffer.concat(chunks)));
    } catch (e) {
      failures.push(`thriftrw cannot decode weir's Batch: ${e}`);
    }
    res.writeHead(202);
    res.end();
  });
});
await new Promise((resolve) => otlpSink.listen(0, '127.0.0.1', resolve));
await new Promise((resolve) => jaegerCollector.listen(0, '127.0.0.1', resolve));

// --- weir ----------------------------------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-jaeger-interop-'));
fs.writeFileSync(path.join(dir, 'weir.yaml'), `
receivers:
  jaeger:
    protocols:
      thrift_binary: {endpoint: 127.0.0.1:0}
      thrift_http: {endpoint: 127.0.0.1:0}
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:0}
processors:
  batch: {timeout: 50ms}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${otlpSink.address().port}
  jaeger:
    protocol: thrift_http
    endpoint: http://127.0.0.1:${jaegerCollector.address().port}
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces/from-jaeger: {receivers: [jaeger], processors: [batch], exporters: [otlphttp]}
    traces/to-jaeger: {receivers: [otlp], processors: [batch], exporters: [jaeger]}
`);
const log = fs.openSync(path.join(dir, 'weir.log'), 'w');
const weir = spawn(weirBinary, ['--config', path.join(dir, 'weir.yaml')],
                   { stdio: ['ignore', 'ignore', log] });
const readLog = logReader(path.join(dir, 'weir.log'));
const waitFor = (predicate, what, ms) => waitForLog(predicate, what, readLog, ms);


try {
  await waitFor(() => /everything is ready/.test(readLog()), 'weir to start');
  const udpPort = Number(readLog().match(/Thrift binary over UDP\) listening on [\d.]+:(\d+)/)[1]);
  const httpAddress = readLog().match(/Jaeger Thrift over HTTP listening on (\S+)/)[1];
  const otlpAddress = readLog().match(/OTLP\/HTTP listening on (\S+)/)[1];

  // --- Jaeger clients → weir → OTLP ---------------------------------------------------------------
  const silent = { info() {}, error(e) { failures.push(`jaeger-client: ${e}`); } };
  const sent = [];
  for (const [service, reporter] of [
    ['legacy-udp', { agentHost: '127.0.0.1', agentPort: udpPort, flushIntervalMs: 20 }],
    ['legacy-http', { collectorEndpoint: `http://${httpAddress}/api/traces`, flushIntervalMs: 20 }],
  ]) {
    const tracer = jaegerClient.initTracer(
      { serviceName: service, sampler: { type: 'const', param: 1 }, reporter },
      { logger: silent, tags: { 'deployment.environment': 'interop' } });
    const server = tracer.startSpan('GET /orders');
    server.setTag('span.kind', 'server');
    server.setTag('http.status_code', 503);  // a number: jaeger-client sends it as a double
    server.setTag('cached', false);
    const client = tracer.startSpan('SELECT orders', { childOf: server.context() });
    client.setTag('span.kind', 'client');
    client.setTag('error', true);
    client.log({ event: 'retry', attempt: 2 });
    client.finish();
    server.finish();
    sent.push({ service, span: server, kind: 2, parent: '', status: 2 });
    sent.push({ service, span: client, kind: 3, parent: server.context().spanIdStr, status: 2 });
    await new Promise((resolve) => tracer.close(resolve));
  }
  await waitFor(() => otlpSpans.length >= sent.length, `${sent.length} spans at the OTLP sink`);
  expectEq('spans from jaeger-client', otlpSpans.length, sent.length);
  for (const want of sent) {
    const ctx = want.span.context();
    const got = otlpSpans.find((r) => hexOf(r.span.span_id) === ctx.spanIdStr.padStart(16, '0'));
    const where = `${want.service} ${want.span.operationName}`;
    if (!got) {
      failures.push(`${where} (${ctx.spanIdStr}) did not arrive`);
      continue;
    }
    const s = got.span;
    expectEq(`${where} trace id`, hexOf(s.trace_id), ctx.traceIdStr.padStart(32, '0'));
    expectEq(`${where} parent`, hexOf(s.parent_span_id), want.parent.padStart(want.parent ? 16 : 0, '0'));
    expectEq(`${where} name`, s.name, want.span.operationName);
    expectEq(`${where} kind`, s.kind, want.kind);
    expectEq(`${where} status`, s.status?.code ?? 0, want.status);
    expectEq(`${where} start`, s.start_time_unix_nano,
             (BigInt(Math.round(want.span._startTime * 1000)) * 1000n).toString());
    const resource = attrs(got.resource.attributes);
    expectEq(`${where} service.name`, resource['service.name'], want.service);
    expectEq(`${where} process tag`, resource['deployment.environment'], 'interop');
    expectEq(`${where} exporter version`, /^Jaeger-Node-/.test(resource['opencensus.exporterversion']), true);
    const a = attrs(s.attributes);
    for (const k of ['span.kind', 'error']) {
      if (k in a) failures.push(`${where}: tag ${k} was left among the attributes`);
    }
    if (want.kind === 2) {
      expectEq(`${where} http.status_code`, a['http.status_code'], 503);
      expectEq(`${where} cached`, a['cached'], false);
    } else {
      expectEq(`${where} event name`, s.events?.[0]?.name, 'retry');
      expectEq(`${where} event attribute`, attrs(s.events?.[0]?.attributes).attempt, 2);
    }
  }

  // --- OpenTelemetry SDK → weir → Jaeger ------------------------------------------------------------
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': 'otel-js', 'deployment.environment': 'interop' }),
  });
  provider.addSpanProcessor(new SimpleSpanProcessor(
    new ProtoExporter({ url: `http://${otlpAddress}/v1/traces` })));
  const tracer = provider.getTracer('interop-scope', '1.2.3');
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER, attributes: { 'http.route': '/checkout', 'retries': 3 },
  });
  const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT },
                                 trace.setSpan(context.active(), root));
  child.addEvent('declined', { 'card.brand': 'visa' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end();
  root.end();
  await provider.forceFlush();
  const want = [root, child];
  const jaegerSpans = () => jaegerBatches.flatMap((b) => b.spans.map((s) => ({ batch: b, s })));
  await waitFor(() => jaegerSpans().length >= want.length, 'spans at the Jaeger collector');
  const tagsOf = (list) => Object.fromEntries((list ?? []).map((t) => {
    switch (t.vType) {
      case 'STRING': return [t.key, t.vStr];
      case 'DOUBLE': return [t.key, t.vDouble];
      case 'BOOL': return [t.key, t.vBool];
      case 'LONG': return [t.key, Number(t.vLong.readBigInt64BE())];
      default: return [t.key, '?'];
    }
  }));
  for (const span of want) {
    const sc = span.spanContext();
    const got = jaegerSpans().find(({ s }) => s.spanId.toString('hex') === sc.spanId);
    const where = `otel-js ${span.name}`;
    if (!got) {
      failures.push(`${where} did not reach the Jaeger collector`);
      continue;
    }
    const { batch, s } = got;
    expectEq(`${where} service`, batch.process.serviceName, 'otel-js');
    const processTags = tagsOf(batch.process.tags);
    expectEq(`${where} process tags`,
             [processTags['deployment.environment'], processTags['telemetry.sdk.name'],
              'service.name' in processTags], ['interop', 'opentelemetry', false]);
    expectEq(`${where} trace id`,
             s.traceIdHigh.toString('hex') + s.traceIdLow.toString('hex'), sc.traceId);
    expectEq(`${where} operation`, s.operationName, span.name);
    expectEq(`${where} flags`, s.flags, 1);  // the SDK sets no OTLP flags: sampled
    const startUs = BigInt(span.startTime[0]) * 1000000n + BigInt(span.startTime[1]) / 1000n;
    expectEq(`${where} start`, s.startTime.readBigInt64BE().toString(), startUs.toString());
    const tags = tagsOf(s.tags);
    expectEq(`${where} scope`, [tags['otel.scope.name'], tags['otel.scope.version']],
             ['interop-scope', '1.2.3']);
    if (span === root) {
      expectEq(`${where} parent`, s.parentSpanId.toString('hex'), '0000000000000000');
      expectEq(`${where} span.kind`, tags['span.kind'], 'server');
      expectEq(`${where} attributes`, [tags['http.route'], tags['retries']], ['/checkout', 3]);
    } else {
      expectEq(`${where} parent`, s.parentSpanId.toString('hex'), root.spanContext().spanId);
      expectEq(`${where} span.kind`, tags['span.kind'], 'client');
      expectEq(`${where} status`, [tags['otel.status_code'], tags['error'],
                                  tags['otel.status_description']], ['ERROR', true, 'card declined']);
      expectEq(`${where} log`, tagsOf(s.logs?.[0]?.fields), { event: 'declined', 'card.brand': 'visa' });
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
  jaegerCollector.close();
}
if (weir.exitCode !== 0 && weir.exitCode !== null) failures.push(`weir exited ${weir.exitCode}`);

if (failures.length > 0) {
  console.error(`jaeger interop: ${failures.length} problem(s)\n  ` + failures.join('\n  '));
  console.error('weir log:\n' + readLog());
  process.exit(1);
}
console.log('jaeger interop: jaeger-client spans (UDP and HTTP) arrived through weir as OTLP, and ' +
            'OpenTelemetry SDK spans reached a Jaeger collector as Thrift, field for field');
fs.rmSync(dir, { recursive: true, force: true });
