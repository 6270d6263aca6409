#!/usr/bin/env python3
"""Writes the seed inputs of each mutation class the scan must refuse or index like protobuf
(a known field with another wire type, a repeated singular field, deep nesting) into
fuzz/corpus/otlp_forward/ and fuzz/corpus/otlp_wire/ (and those it accepts into
fuzz/corpus/trace_batch/). Run from the repository root."""
import os
import struct


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def tag(field, wire_type):
    return varint(field << 3 | wire_type)


def ld(field, body):
    return tag(field, 2) + varint(len(body)) + body


def vi(field, n):
    return tag(field, 0) + varint(n)


def f64(field, n):
    return tag(field, 1) + struct.pack("<Q", n)


def f32(field, n):
    return tag(field, 5) + struct.pack("<I", n)


def string_value(s):
    return ld(1, s)


def kv(key, any_value):
    return ld(1, key) + ld(2, any_value)


def span(extra=b"", name=b"op", trace=b"\x01" * 16, status=ld(15, vi(3, 2))):
    return (ld(1, trace) + ld(2, b"\x02" * 8) + ld(5, name) + vi(6, 2) + f64(7, 1000) +
            f64(8, 2000) + ld(9, kv(b"k", string_value(b"v"))) + status + f32(16, 1) + extra)


def request(spans, resource=ld(1, ld(1, kv(b"service.name", string_value(b"svc")))),
            scope=ld(1, ld(1, b"lib") + ld(2, b"1"))):
    scope_spans = scope + b"".join(ld(2, s) for s in spans)
    return ld(1, resource + ld(2, scope_spans))


def nested_arrays(levels, leaf=vi(3, 7)):  # leaf: AnyValue.int_value
    value = leaf
    for _ in range(levels - 1):
        value = ld(5, ld(1, value))
    return value


def nested_kvlists(levels, leaf=vi(3, 7)):
    value = leaf
    for _ in range(levels - 1):
        value = ld(6, ld(1, kv(b"k", value)))
    return value


def attribute_span(any_value):
    return span(extra=ld(9, kv(b"deep", any_value)))


SEEDS = {
    "valid.pb": request([span(), span(name=b"second", trace=b"\x03" * 16)]),
    "unknown-fields.pb": request([span(extra=vi(99, 5) + ld(98, b"\xff") + f32(97, 1))]),
    # A known field with another wire type: refused.
    "wire-type-span-name-varint.pb": request([span(extra=vi(5, 7))]),
    "wire-type-trace-id-fixed64.pb": request([span(extra=f64(1, 9))]),
    "wire-type-kind-length-delimited.pb": request([span(extra=ld(6, varint(3)))]),
    "wire-type-flags-varint.pb": request([span(extra=vi(16, 1))]),
    "wire-type-resource-group.pb": ld(1, tag(1, 3) + tag(1, 4) + ld(2, ld(2, span()))),
    "wire-type-any-int-fixed64.pb": request([attribute_span(f64(3, 1))]),
    "wire-type-scope-spans-varint.pb": ld(1, vi(2, 1) + ld(2, ld(2, span()))),
    # A repeated singular scalar: accepted, the last occurrence wins.
    "repeated-trace-id.pb": request([span(extra=ld(1, b"\x04" * 16))]),
    "repeated-name.pb": request([span(extra=ld(5, b"renamed"))]),
    "repeated-status-code.pb": request([span(status=ld(15, vi(3, 1) + vi(3, 2)))]),
    "repeated-any-string.pb": request([attribute_span(ld(1, b"a") + ld(1, b"b"))]),
    # A repeated singular message: refused (protobuf merges, other decoders keep the last).
    "repeated-status.pb": request([span(extra=ld(15, ld(2, b"second status")))]),
    "repeated-resource.pb": request(
        [span()], resource=ld(1, ld(1, kv(b"a", string_value(b"1")))) +
        ld(1, ld(1, kv(b"b", string_value(b"2"))))),
    "repeated-scope.pb": request([span()], scope=ld(1, ld(1, b"lib")) + ld(1, ld(2, b"2"))),
    "repeated-keyvalue-value.pb": request(
        [span(extra=ld(9, kv(b"k", string_value(b"v")) + ld(2, vi(3, 1))))]),
    "repeated-any-array.pb": request(
        [attribute_span(ld(5, ld(1, vi(3, 1))) + ld(5, ld(1, vi(3, 2))))]),
    "any-two-members.pb": request([attribute_span(ld(1, b"s") + vi(3, 1))]),
    # Nesting: a span attribute's AnyValue sits at message depth 5, each array level adds 2,
    # each kvlist level 3; the limit is 100.
    "deep-array-at-limit.pb": request([attribute_span(nested_arrays(48, ld(5, b"")))]),
    "deep-array-over-limit.pb": request([attribute_span(nested_arrays(49))]),
    "deep-kvlist-over-limit.pb": request([attribute_span(nested_kvlists(33))]),
    "deep-kvlist-at-limit.pb": request(
        [attribute_span(nested_kvlists(32, ld(6, ld(1, ld(1, b"k")))))]),
}


# The seeds the scan accepts, also given to trace_batch_fuzz behind its mode byte.
ACCEPTED = ("valid.pb", "unknown-fields.pb", "repeated-trace-id.pb", "repeated-name.pb",
            "repeated-status-code.pb", "repeated-any-string.pb", "deep-array-at-limit.pb",
            "deep-kvlist-at-limit.pb")


def main():
    for corpus in ("fuzz/corpus/otlp_forward", "fuzz/corpus/otlp_wire"):
        os.makedirs(corpus, exist_ok=True)
        for name, data in SEEDS.items():
            with open(os.path.join(corpus, name), "wb") as f:
                f.write(data)
    for name in ACCEPTED:
        for mode in (0xA5, 0x3C):
            with open(os.path.join("fuzz/corpus/trace_batch", f"{name}-{mode:x}"), "wb") as f:
                f.write(bytes([mode]) + SEEDS[name])


if __name__ == "__main__":
    main()
