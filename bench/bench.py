#!/usr/bin/env python3
"""weir benchmark harness.

Each scenario starts weir-sink (the exporter-side endpoint), weir itself and weir-loadgen on
loopback, pins weir to one core and the load to the other (taskset), warms up, measures for a
fixed time, and reports for the weir process alone: spans/s delivered to the sink, spans per
weir CPU-second (from /proc/PID/stat), peak and steady RSS, weir's hand-off latency histogram
and the load generator's request latency.

    bench/bench.py SCENARIO [--seconds N] [--warmup N] [--save]
    bench/bench.py list

--save writes bench/results/<scenario>.json; bench/report.py prints the table of saved results.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
WEIR = os.path.join(BUILD, "cmd/weir/weir")
LOADGEN = os.path.join(BUILD, "cmd/weir-loadgen/weir-loadgen")
SINK = os.path.join(BUILD, "cmd/weir-sink/weir-sink")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Scenario: load generator flags, receiver protocol, exporter type, exporter options.
# The processors a scenario puts before batch, as YAML bodies.
REDACTION = """allow_all_keys: true
    blocked_values:
      - "\\\\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14})\\\\b"
      - "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\\\.[A-Za-z]{2,}"
      - "(?i)bearer\\\\s+[A-Za-z0-9._~+/=-]+"
"""

ATTRIBUTES = "actions: [{key: deployment.environment, value: production, action: upsert}]\n"
# One route of the eight W2 spreads requests over (about 1 in 8 spans), as a health check would.
FILTER = """traces: {span: ['attributes["http.route"] == "/api/v1/catalog/items"']}
"""

SCENARIOS = {
    "w1": dict(
        doc="Trace10kSPS shape: ~150-byte spans, 2 int attributes, 100 spans/request, "
        "OTLP/gRPC -> batch -> OTLP/gRPC at 10k spans/s",
        loadgen=["--protocol", "grpc", "--shape", "small", "--spans-per-request", "100",
                 "--rate", "10000", "--connections", "1"],
        receiver="grpc", exporter="otlp"),
    "w2-grpc": dict(
        doc="~500-byte spans, 10 attributes, 9 resource attributes, 100 spans/request, "
        "saturating, OTLP/gRPC -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp"),
    "w2-http": dict(
        doc="W2 over OTLP/HTTP protobuf -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "http", "--encoding", "proto", "--shape", "realistic",
                 "--spans-per-request", "100", "--rate", "0", "--connections", "8"],
        receiver="http", exporter="otlp"),
    "w2-grpc-auth": dict(
        doc="W2 over OTLP/gRPC with bearertokenauth on the receiver -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2",
                 "--header", "authorization:Bearer bench-token"],
        receiver="grpc", exporter="otlp", auth=True),
    "w2-http-auth": dict(
        doc="W2 over OTLP/HTTP protobuf with bearertokenauth on the receiver -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "http", "--encoding", "proto", "--shape", "realistic",
                 "--spans-per-request", "100", "--rate", "0", "--connections", "8",
                 "--header", "Authorization:Bearer bench-token"],
        receiver="http", exporter="otlp", auth=True),
    "w2-json": dict(
        doc="W2 over OTLP/HTTP JSON -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "http", "--encoding", "json", "--shape", "realistic",
                 "--spans-per-request", "100", "--rate", "0", "--connections", "8"],
        receiver="http", exporter="otlp"),
    "w2-gzip": dict(
        doc="W2 over OTLP/gRPC with gzip in and out (exporter gzip level 1) -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "grpc", "--gzip", "--shape", "realistic",
                 "--spans-per-request", "100", "--rate", "0", "--connections", "4",
                 "--inflight", "2"],
        receiver="grpc", exporter="otlp", exporter_compression="gzip"),
    "w2-nop": dict(
        doc="W2 over OTLP/gRPC -> nop (receive cost alone)",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="nop"),
    "slow-backend": dict(
        doc="W2 over OTLP/gRPC -> batch -> OTLP/gRPC into a backend that takes at most 100k "
        "spans/s, weir's default queue and memory settings: RSS, the refusals clients saw, and "
        "whether every acknowledged span was delivered",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp", sink_rate=100000, drain=True),
    "latency": dict(
        doc="W2 OTLP/gRPC at a fixed rate (--rate, default 100k spans/s), batch by size only "
        "(timeout excluded), for the added-latency percentiles",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "100000", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp", batch_timeout="0s"),
    "tail-sampling": dict(
        doc="W2 spans, 5 per trace spread over 5 requests (and connections), OTLP/gRPC -> "
        "tail_sampling (status ERROR, latency > 500 ms, probabilistic 10 %; decision_wait 5s) -> "
        "batch -> OTLP/gRPC; spans per CPU-second counts the spans weir took in",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--spans-per-trace", "1", "--trace-spread", "5", "--rate", "0",
                 "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp",
        tail_sampling=dict(decision_wait="5s", num_traces=1000000, max_buffered_bytes=3 << 30),
        memory_limit_mib=6144, count_input=True),
    "tail-sampling-1m": dict(
        doc="tail-sampling with about 1M traces buffered (decision_wait 25s, num_traces 1.2M, "
        "max_buffered_bytes 6 GiB, memory_limit_mib 8192), at 200k spans/s offered",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--spans-per-trace", "1", "--trace-spread", "5", "--rate", "200000",
                 "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp",
        tail_sampling=dict(decision_wait="25s", num_traces=1200000,
                           max_buffered_bytes=6 << 30),
        memory_limit_mib=8192, count_input=True),
    "redaction": dict(
        doc="W2 over OTLP/gRPC, 10 % of spans with an e-mail address, card number or bearer "
        "token -> redaction (allow_all_keys, 3 blocked_values) -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2", "--pii-percent", "10"],
        receiver="grpc", exporter="otlp",
        processors={"redaction": REDACTION}),
    "attributes": dict(
        doc="W2 over OTLP/gRPC -> attributes (one upsert of a constant on every span) -> batch "
        "-> OTLP/gRPC",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp", processors={"attributes": ATTRIBUTES}),
    "filter": dict(
        doc="W2 over OTLP/gRPC -> filter (drops the spans of one route, about 1 in 8, by "
        "attributes[\"http.route\"]) -> batch -> OTLP/gRPC; spans per CPU-second count the spans "
        "weir took in",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="otlp", processors={"filter": FILTER}, count_input=True),
    "jaeger-grpc-out": dict(
        doc="W2 over OTLP/gRPC -> batch -> jaeger exporter (gRPC PostSpans, one call per "
        "resource) -> a Jaeger collector stand-in",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="jaeger"),
    "jaeger-udp-in": dict(
        doc="W2 spans as Jaeger agent datagrams (Thrift compact over UDP, 50 spans each) at "
        "300k spans/s -> jaeger receiver -> batch -> OTLP/gRPC; spans per CPU-second count "
        "what reached the sink",
        loadgen=["--protocol", "jaeger-udp", "--shape", "realistic", "--spans-per-request", "50",
                 "--rate", "300000", "--connections", "1"],
        receiver="jaeger-udp", exporter="otlp"),
    "zipkin-json-in": dict(
        doc="W2 spans as Zipkin v2 JSON (100 spans per POST /api/v2/spans, as zipkin-js and the "
        "OpenTelemetry Zipkin exporters send) -> zipkin receiver -> batch -> OTLP/gRPC",
        loadgen=["--protocol", "zipkin", "--encoding", "json", "--shape", "realistic",
                 "--spans-per-request", "100", "--rate", "0", "--connections", "4",
                 "--inflight", "1"],
        receiver="zipkin", exporter="otlp"),
    "zipkin-json-out": dict(
        doc="W2 over OTLP/gRPC -> batch -> zipkin exporter (v2 JSON, one POST per batch) -> a "
        "Zipkin server stand-in",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "100",
                 "--rate", "0", "--connections", "4", "--inflight", "2"],
        receiver="grpc", exporter="zipkin"),
    "idle": dict(doc="RSS of an idle weir after start-up", idle=True),
    "smoke": dict(
        doc="A few seconds of every moving part, no pinning requirements: keeps the harness "
        "working (part of the test suite)",
        loadgen=["--protocol", "grpc", "--shape", "realistic", "--spans-per-request", "50",
                 "--rate", "20000", "--connections", "1"],
        receiver="grpc", exporter="otlp"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(core, argv):
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > core:
        return ["taskset", "-c", str(core)] + argv
    return argv


def wait_for(path, pattern, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path) as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {pattern!r} in {path}:\n" + open(path).read())


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def rss_bytes(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) * 1024
    return out.get("VmRSS", 0), out.get("VmHWM", 0)


def http_get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def histogram(metrics_text, name):
    """Cumulative bucket counts {le: count} of a Prometheus histogram, summed over labels."""
    buckets = {}
    for line in metrics_text.splitlines():
        m = re.match(name + r'_bucket\{.*le="([^"]+)".*\} (\S+)', line)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0) + float(m.group(2))
    return buckets


def histogram_mean(before_text, after_text, name):
    """Mean of a Prometheus histogram over the interval between two scrapes."""
    def sums(text):
        total = count = 0.0
        for line in text.splitlines():
            if re.match(name + r"_sum[{ ]", line):
                total += float(line.rsplit(" ", 1)[1])
            elif re.match(name + r"_count[{ ]", line):
                count += float(line.rsplit(" ", 1)[1])
        return total, count
    t0, c0 = sums(before_text)
    t1, c1 = sums(after_text)
    return round((t1 - t0) / (c1 - c0), 3) if c1 > c0 else None


def wire_bytes_per_span(loadgen_log):
    m = re.search(r"\((\d+) B/span encoded", open(loadgen_log).read())
    return int(m.group(1)) if m else None


def percentile_from_buckets(before, after, q):
    les = sorted(after)
    counts = [after[le] - before.get(le, 0) for le in les]
    total = counts[-1] if counts else 0
    if total <= 0:
        return None
    target = q * total
    for le, c in zip(les, counts):
        if c >= target:
            return le
    return les[-1]


def weir_config(scenario, sink_grpc, grpc_port, http_port, sink_http="127.0.0.1:1",
                zipkin_port=0):
    exporter = scenario["exporter"]
    if exporter == "nop":
        exporters = "  nop:\n"
        exporter_id = "nop"
    elif exporter == "jaeger":
        exporters = (f"  jaeger:\n    endpoint: {sink_grpc}\n    tls:\n      insecure: true\n"
                     "    sending_queue:\n      num_consumers: 4\n")
        exporter_id = "jaeger"
    elif exporter == "zipkin":
        exporters = (f"  zipkin:\n    endpoint: http://{sink_http}/api/v2/spans\n"
                     "    sending_queue:\n      num_consumers: 4\n")
        exporter_id = "zipkin"
    else:
        exporters = (f"  otlp:\n    endpoint: {sink_grpc}\n    tls:\n      insecure: true\n"
                     f"    compression: {scenario.get('exporter_compression', 'none')}\n"
                     "    compression_params:\n      level: 1\n"
                     "    sending_queue:\n      num_consumers: 4\n")
        exporter_id = "otlp"
    auth = "\n        auth:\n          authenticator: bearertokenauth" if scenario.get("auth") else ""
    extensions = ("extensions:\n  bearertokenauth:\n    token: bench-token\n"
                  if scenario.get("auth") else "")
    service_extensions = "  extensions: [bearertokenauth]\n" if scenario.get("auth") else ""
    tail = scenario.get("tail_sampling")
    tail_processor, pipeline_processors = "", "[batch]"
    if tail:
        tail_processor = (
            "  tail_sampling:\n"
            f"    decision_wait: {tail['decision_wait']}\n"
            f"    num_traces: {tail['num_traces']}\n"
            + (f"    max_buffered_bytes: {tail['max_buffered_bytes']}\n"
               if "max_buffered_bytes" in tail else "")
            + "    policies:\n"
            "      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
            "      - {name: slow, type: latency, latency: {threshold_ms: 500}}\n"
            "      - {name: baseline, type: probabilistic, "
            "probabilistic: {sampling_percentage: 10}}\n")
        pipeline_processors = "[tail_sampling, batch]"
    for name, body in scenario.get("processors", {}).items():
        tail_processor += f"  {name}:\n    {body}"
        pipeline_processors = pipeline_processors.replace("[", f"[{name}, ", 1)
    memory = (f"  memory_limit_mib: {scenario['memory_limit_mib']}\n"
              if scenario.get("memory_limit_mib") else "")
    jaeger = ""
    receiver_id = "otlp"
    if scenario.get("receiver") == "jaeger-udp":
        jaeger = (f"  jaeger:\n    protocols:\n      thrift_compact:\n"
                  f"        endpoint: 127.0.0.1:{grpc_port}\n        socket_buffer_size: 8388608\n")
        receiver_id = "jaeger"
    if scenario.get("receiver") == "zipkin":
        jaeger = f"  zipkin:\n    endpoint: 127.0.0.1:{zipkin_port}\n"
        receiver_id = "zipkin"
    return f"""receivers:
{jaeger}  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc_port}
        max_recv_msg_size_mib: 64{auth}
      http:
        endpoint: 127.0.0.1:{http_port}
        max_request_body_size: 67108864{auth}
{extensions}processors:
{tail_processor}  batch:
    send_batch_size: 8192
    send_batch_max_size: 16384
    timeout: {scenario.get('batch_timeout', '200ms')}
exporters:
{exporters}service:
{memory}{service_extensions}  telemetry:
    logs:
      level: info
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [{receiver_id}]
      processors: {pipeline_processors}
      exporters: [{exporter_id}]
"""


class Procs:
    def __init__(self):
        self.procs = []

    def start(self, argv, log_path, stdout=None):
        p = subprocess.Popen(argv, stdout=stdout or subprocess.DEVNULL,
                             stderr=open(log_path, "w"), stdin=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def run_loadgen(endpoint, flags, seconds, log_path):
    argv = pinned(1, [LOADGEN, "--endpoint", endpoint, "--duration", f"{seconds}s", "--json"] + flags)
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=open(log_path, "a"), timeout=seconds + 120)
    text = out.stdout.decode().strip().splitlines()
    return json.loads(text[-1]) if text else {}


def run(name, seconds, warmup, rate=None):
    scenario = SCENARIOS[name]
    work = tempfile.mkdtemp(prefix=f"weir-bench-{name}-")
    procs = Procs()
    try:
        grpc_port, http_port, zipkin_port = free_port(), free_port(), free_port()
        sink_grpc = sink_http = "127.0.0.1:1"
        if not scenario.get("idle"):
            sink_argv = [SINK]
            if scenario.get("sink_rate"):
                sink_argv += ["--max-spans-per-second", str(scenario["sink_rate"])]
            procs.start(pinned(1, sink_argv), f"{work}/sink.log")
            sink_grpc = wait_for(f"{work}/sink.log", r"grpc listening on (\S+)").group(1)
            sink_http = wait_for(f"{work}/sink.log", r"http listening on (\S+)").group(1)
            scenario_cfg = scenario
        else:
            scenario_cfg = dict(exporter="nop")
        with open(f"{work}/weir.yaml", "w") as f:
            f.write(weir_config(scenario_cfg, sink_grpc, grpc_port, http_port, sink_http,
                                zipkin_port))
        weir = procs.start(pinned(0, [WEIR, "--config", f"{work}/weir.yaml"]), f"{work}/weir.log")
        metrics_addr = wait_for(f"{work}/weir.log", r"metrics listening on (\S+)").group(1)
        wait_for(f"{work}/weir.log", r"everything is ready")
        result = {"scenario": name, "doc": scenario["doc"], "date": time.strftime("%Y-%m-%d"),
                  "commit": git_commit(), "machine": machine(), "seconds": seconds}
        if scenario.get("idle"):
            time.sleep(max(2, warmup))
            rss, hwm = rss_bytes(weir.pid)
            result.update(idle_rss_mb=round(rss / 2**20, 1), peak_rss_mb=round(hwm / 2**20, 1))
            return result

        idle_rss, _ = rss_bytes(weir.pid)
        endpoint = f"127.0.0.1:{http_port if scenario['receiver'] == 'http' else grpc_port}"
        if scenario["receiver"] == "zipkin":
            endpoint = f"127.0.0.1:{zipkin_port}"
        flags = list(scenario["loadgen"])
        if rate is not None and "--rate" in flags:
            flags[flags.index("--rate") + 1] = str(rate)
        if scenario.get("drain"):
            return run_and_drain(result, weir, endpoint, flags, seconds, sink_http, metrics_addr,
                                 f"{work}/loadgen.log")
        if warmup > 0:
            run_loadgen(endpoint, flags, warmup, f"{work}/loadgen.log")
        time.sleep(0.5)  # let the warm-up's last batch drain
        stats0 = json.loads(http_get(f"http://{sink_http}/stats"))
        metrics0 = http_get(f"http://{metrics_addr}/metrics")
        cpu0, t0 = cpu_seconds(weir.pid), time.time()
        mid = {}
        if scenario.get("tail_sampling"):
            # RSS and the buffer, read together while the load runs (the buffer drains after).
            def sample():
                time.sleep(seconds * 0.8)
                mid["metrics"] = http_get(f"http://{metrics_addr}/metrics")
                mid["rss"] = rss_bytes(weir.pid)[0]
            sampler = threading.Thread(target=sample)
            sampler.start()
        load = run_loadgen(endpoint, flags, seconds, f"{work}/loadgen.log")
        if scenario.get("tail_sampling"):
            sampler.join()
        cpu1, t1 = cpu_seconds(weir.pid), time.time()
        rss, hwm = rss_bytes(weir.pid)
        time.sleep(0.5)
        stats1 = json.loads(http_get(f"http://{sink_http}/stats"))
        metrics1 = http_get(f"http://{metrics_addr}/metrics")
        elapsed = t1 - t0
        cpu = cpu1 - cpu0
        delivered = stats1["spans"] - stats0["spans"]
        if scenario["exporter"] == "nop" or scenario.get("count_input"):
            delivered = load.get("acked_spans", 0)
        if scenario.get("tail_sampling"):
            p = "otelcol_processor_tail_sampling_"
            m = mid["metrics"]
            result["tail_sampling"] = dict(
                exported_spans=stats1["spans"] - stats0["spans"],
                traces_on_memory=metric_sum(m, p + "sampling_traces_on_memory"),
                buffered_mb=round(metric_sum(m, "weir_processor_tail_sampling_buffered_bytes")
                                  / 2**20, 1),
                rss_mb_while_buffering=round(mid["rss"] / 2**20, 1),
                traces_sampled=metric_sum(metrics1, p + "global_count_traces_sampled")
                - metric_sum(metrics0, p + "global_count_traces_sampled"),
                early_decisions=metric_sum(metrics1, "weir_processor_tail_sampling_early_decisions"),
                decision_tick_ms=histogram_mean(metrics0, metrics1,
                                                p + "sampling_decision_timer_latency"),
                wire_bytes_per_span=wire_bytes_per_span(f"{work}/loadgen.log"),
            )
            # What RSS holds per buffered span, against the span's wire size.
            buffered = metric_sum(m, "weir_processor_tail_sampling_buffered_spans")
            result["tail_sampling"]["buffered_spans"] = buffered
            if buffered > 0 and result["tail_sampling"]["wire_bytes_per_span"]:
                result["tail_sampling"]["rss_bytes_per_buffered_span"] = round(
                    (mid["rss"] - idle_rss) / buffered)
        h0 = histogram(metrics0, "weir_exporter_handoff_latency_seconds")
        h1 = histogram(metrics1, "weir_exporter_handoff_latency_seconds")
        lat = {f"p{q}": percentile_from_buckets(h0, h1, q / 100) for q in (50, 99, 99.9)}
        result.update(
            spans_per_second=round(delivered / elapsed),
            cpu_percent_of_one_core=round(100 * cpu / elapsed, 1),
            spans_per_cpu_second=round(delivered / cpu) if cpu > 0 else None,
            steady_rss_mb=round(rss / 2**20, 1),
            peak_rss_mb=round(hwm / 2**20, 1),
            handoff_latency_le_seconds=lat,
            loadgen=load,
            delivered_spans=delivered,
        )
        return result
    finally:
        procs.stop_all()
        if os.environ.get("WEIR_BENCH_KEEP"):
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def metric_sum(metrics_text, name):
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run_and_drain(result, weir, endpoint, flags, seconds, sink_http, metrics_addr, log_path):
    """Loads from a fresh start, then waits for weir to deliver everything it acknowledged."""
    cpu0, t0 = cpu_seconds(weir.pid), time.time()
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_bytes(weir.pid)[0])
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    load = run_loadgen(endpoint, flags, seconds, log_path)
    t1 = time.time()
    acked = load.get("acked_spans", 0)
    delivered, last_change, deadline = -1, time.time(), time.time() + 120
    while time.time() < deadline:
        now = json.loads(http_get(f"http://{sink_http}/stats"))["spans"]
        if now != delivered:
            delivered, last_change = now, time.time()
        if delivered >= acked or time.time() - last_change > 5:
            break
        time.sleep(0.5)
    stop.set()
    sampler.join()
    cpu = cpu_seconds(weir.pid) - cpu0
    metrics = http_get(f"http://{metrics_addr}/metrics")
    result.update(
        seconds_loaded=round(t1 - t0, 1),
        acked_spans=acked,
        refused_spans_seen_by_clients=load.get("refused_spans", 0),
        delivered_spans=delivered,
        acked_not_delivered=acked - delivered,
        counted_as_dropped=metric_sum(metrics, "otelcol_processor_dropped_spans")
        + metric_sum(metrics, "otelcol_exporter_send_failed_spans"),
        acked_spans_per_second=round(acked / (t1 - t0)),
        spans_per_cpu_second=round(delivered / cpu) if cpu > 0 else None,
        sampled_max_rss_mb=round(peak[0] / 2**20, 1),
        peak_rss_mb=round(rss_bytes(weir.pid)[1] / 2**20, 1),
        peak_budget_mb=round(metric_sum(metrics, "weir_memory_peak_bytes") / 2**20, 1),
        loadgen=load,
    )
    return result


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode().strip()
    except OSError:
        return "unknown"


def machine():
    model = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--rate", type=int, help="override the scenario's span rate")
    parser.add_argument("--save", action="store_true", help="write bench/results/<scenario>.json")
    args = parser.parse_args()
    if args.scenario == "list":
        for name, s in SCENARIOS.items():
            print(f"{name:10} {s['doc']}")
        return 0
    if args.scenario not in SCENARIOS:
        print(f"unknown scenario {args.scenario!r}; try: list", file=sys.stderr)
        return 2
    for binary in (WEIR, LOADGEN, SINK):
        if not os.path.exists(binary):
            print(f"missing {binary}: run ./dev.sh build first", file=sys.stderr)
            return 2
    result = run(args.scenario, args.seconds, args.warmup, args.rate)
    print(json.dumps(result, indent=2))
    if args.save:
        os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
        with open(os.path.join(ROOT, "bench/results", f"{args.scenario}.json"), "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    if not result.get("idle_rss_mb") and not result.get("delivered_spans"):
        print("no spans were delivered", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
