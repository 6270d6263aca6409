#!/usr/bin/env bash
# weir's one entry point for setting up, building, running and testing.
#
#   ./dev.sh run [weir args...]   install what is missing, build, and run weir
#                                 (no args: the built-in default config)
#   ./dev.sh test                 install what is missing, build, and run the whole test suite
#   ./dev.sh test-sanitizers      the same suite built with AddressSanitizer and UBSan
#                                 (build dir build-asan)
#   ./dev.sh test-tsan            the concurrency tests and the integration tests (the real
#                                 binary: reload, shutdown, delivery under load) built with
#                                 ThreadSanitizer (build dir build-tsan)
#   ./dev.sh build                install what is missing and build
#   ./dev.sh setup                install the Debian 12 packages weir needs
#
# Re-running is cheap: packages already installed are skipped and the build is incremental.
# Environment: BUILD_DIR (default ./build), JOBS (default: number of cores).
set -euo pipefail

cd "$(dirname "$0")"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

PACKAGES=(
  g++ cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libboost-system-dev libssl-dev zlib1g-dev
  libyaml-cpp-dev prometheus-cpp-dev libabsl-dev rapidjson-dev libdeflate-dev
  libcrypt-dev libre2-dev libgtest-dev libgmock-dev
  thrift-compiler libthrift-dev
  python3 util-linux
)

# What test-tsan builds and runs: the components with threads of their own or shared state,
# and the integration tests of the real binary.
TSAN_TARGETS=(weir integration_test pipeline_test timer_test system_clock_test http_server_test
  service_test exporter_helper_test processor_batch_test processor_tail_sampling_test
  extension_bearertokenauth_test receiver_jaeger_test receiver_zipkin_test exporter_zipkin_test)
TSAN_TESTS='^(HeldBatches|TraceBatch|TraceBatchWire|TraceBatchOps|Fanout|MemoryBudget|TimerWheel|FakeClockTimers|TimerQueueThreads|SystemClockTest|HttpServer|HttpServerLimits|TransferEncoding/HttpServerFraming|ServiceTest|ServiceRunnerTest|QueuedExporterTest|RetryTest|SenderRetryDelay|RetryPolicy|BatchTest|BatchProcessor|PushbackTest|TailSamplingTest|TailSamplingProcessor|Policy|BearerTokenAuth|EndToEnd|BadInput|Shutdown|Reload|Delivery|AuthEndToEnd|TailSampling|ProbabilisticSampler|Redaction|SpanEditing|JaegerReceiverTest|ZipkinReceiverTest|ZipkinExporterTest)\.'

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "dev.sh: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# The third-party peers of the interop tests: Node.js and the npm packages of tests/interop
# (the OpenTelemetry JS SDK and exporters, protobufjs), pinned by its package-lock.json.
setup_interop() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "dev.sh: installing nodejs npm" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nodejs npm >/dev/null
  fi
  if [ ! -d tests/interop/node_modules ] ||
     [ tests/interop/package-lock.json -nt tests/interop/node_modules ]; then
    (cd tests/interop && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
}

build() {
  setup
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
  fi
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

cmd=${1:-run}
shift || true
case "$cmd" in
  setup) setup ;;
  build) build ;;
  run)
    build
    exec "$BUILD_DIR/cmd/weir/weir" "$@"
    ;;
  test)
    setup_interop
    build
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 300
    ;;
  test-sanitizers)
    BUILD_DIR=build-asan
    setup
    setup_interop
    if [ ! -f "$BUILD_DIR/build.ninja" ]; then
      cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEIR_SANITIZE=ON
    fi
    cmake --build "$BUILD_DIR" -j "$JOBS"
    # Timings are meaningless under the sanitizers: the benchmark smoke run stays in `test`.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/ubsan.supp" \
      ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 300 -E bench_smoke
    ;;
  test-tsan)
    BUILD_DIR=build-tsan
    setup
    if [ ! -f "$BUILD_DIR/build.ninja" ]; then
      cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEIR_TSAN=ON
    fi
    cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TSAN_TARGETS[@]}"
    # A race makes the process exit 66; the integration tests check weir's exit code, so a race
    # inside the real binary fails them too.
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
      ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 600 \
      -R "$TSAN_TESTS"
    ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 2
    ;;
esac
