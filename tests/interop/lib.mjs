// What the interop scripts share: collecting mismatches, waiting for weir, and reading OTLP
// values as protobufjs's toObject({longs: String, bytes: String}) gives them.

import fs from 'node:fs';

// Every mismatch found, reported together at the end.
export const failures = [];

export function expectEq(what, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) failures.push(`${what}: got ${g}, want ${w}`);
}

// A reader of weir's log file, and a wait that prints the log when it times out.
export const logReader = (file) => () => fs.readFileSync(file, 'utf8');

export async function waitFor(predicate, what, readLog, ms = 20000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}\n${readLog()}`);
}

// An id (base64 in toObject's output) as hex.
export const hexOf = (b64) => Buffer.from(b64 ?? '', 'base64').toString('hex');

// A KeyValue list as a plain object; arrays, maps and bytes as '?'.
export const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => {
  const v = kv.value ?? {};
  if ('string_value' in v) return [kv.key, v.string_value];
  if ('int_value' in v) return [kv.key, Number(v.int_value)];
  if ('double_value' in v) return [kv.key, v.double_value];
  if ('bool_value' in v) return [kv.key, v.bool_value];
  return [kv.key, '?'];
}));
