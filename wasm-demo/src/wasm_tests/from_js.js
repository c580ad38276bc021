// The JavaScript side of the wasm-bindgen tests: every call into the module
// goes through the generated bindings and the adapter, as a worker's does.
//
// wasm-bindgen-test-runner (node, ES modules) writes the bindings of the test
// build to `wasm-bindgen-test.js` and this file to
// `snippets/<crate>/src/wasm_tests/from_js.js` beside it, hence the path; the
// adapter, which the module imports its clock from, is written to
// `snippets/<crate>/worker/adapter.mjs`.
import * as raw from "../../../../wasm-bindgen-test.js";
import { adapter } from "../../worker/adapter.mjs";

// The adapter, made on first use: the module is not instantiated yet while
// this file is being imported. The test build exports its memory
// (`testMemory`); a worker gets it from `initSync`.
let adapted = null;
const om = () => (adapted ??= adapter(raw, raw.testMemory()));

// Method, path and the status the demo must answer with.
export const REQUESTS = [
  ["GET", "/", 200],
  ["GET", "/items/1", 200],
  ["GET", "/items/3?ref=js", 200],
  ["GET", "/items/42", 404],
  ["GET", "/items/x1", 400],
  ["POST", "/checkout/1/5", 200],
  ["POST", "/checkout/2/9", 409],
  ["POST", "/checkout/0/1", 400],
  ["DELETE", "/items/1", 405],
  ["GET", "/no/such/route", 404],
];

// Sends every request of REQUESTS through `handle`; returns the statuses
// and bodies it got, in order.
export function driveDemo() {
  const got = [];
  for (const [method, path] of REQUESTS) {
    const reply = om().handle(method, path);
    got.push({ status: reply.status, body: reply.body });
  }
  return got;
}

export function expectedStatuses() {
  return REQUESTS.map(([, , status]) => status);
}

// Durations from performance.now(): choose the host clock (once per
// instance), then spend `ms` milliseconds inside an instrumented function.
export function useHostClockAndSpin(ms) {
  const installed = om().useHostClock();
  const before = performance.now();
  raw.spin(ms);
  return { installed, elapsed: performance.now() - before };
}

// Everything the host can read, as the host reads it.
export function readExports() {
  return {
    text: om().metricsText(),
    openMetrics: om().metricsOpenMetrics(),
    negotiated: om().metricsFor(
      "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3",
    ),
    default: om().metricsFor(undefined),
    frames: om().metricsFrames(),
    framesAgain: om().metricsFrames(),
  };
}

// Push bookkeeping: registered at zero, then one success and two failures.
export function recordPushes() {
  om().enablePushMetrics();
  const atZero = om().metricsText();
  om().recordPush(true);
  om().recordPush(false);
  om().recordPush(false);
  return { atZero, after: om().metricsText() };
}

// setServiceName works once; the second call is refused.
export function nameTheService(name) {
  return [om().setServiceName(name), om().setServiceName("ignored")];
}

// Hostile input must come back as an answer, never as a trap.
export function hostileInput() {
  const paths = [
    "",
    "?",
    "//",
    "/items/",
    "/items/99999999999999999999",
    "/items/\u00e9\u{1F600}",
    "/checkout/1/\u0000",
    "/items/1/../../etc",
    "\ud800",
  ];
  const statuses = [];
  for (const path of paths) {
    statuses.push(om().handle("G\u00cbT", path).status);
    statuses.push(om().handle("GET", path).status);
  }
  om().setTimeMillis(Number.NaN);
  om().setTimeMillis(-1);
  om().setTimeMillis(Infinity);
  om().setFrameBootId(4294967295);
  return statuses;
}

// The raw exports called as no adapter would (see raw_exports_refuse_bad_input).
export function rawMisuse() {
  const memory = raw.testMemory();
  const write = (bytes) => {
    const at = raw.inputBuffer(bytes.length);
    new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
  };
  const readOutput = (len) =>
    new TextDecoder().decode(new Uint8Array(memory.buffer, raw.outputPtr(), len));
  // "GET" and a path with bytes that are not UTF-8.
  write([0x47, 0x45, 0x54, 0x2f, 0xff, 0xfe]);
  const notUtf8Status = raw.handle(3, 3);
  const notUtf8Body = readOutput(raw.outputLen());
  write([0x47, 0x45, 0x54, 0x2f]);
  const tooLongStatus = raw.handle(3, 100);
  write([0xc3]);
  const badName = raw.setServiceName(1);
  write([0x61]);
  // An Accept header longer than the input: none, so text 0.0.4.
  const badAcceptLen = raw.metricsFor(1000);
  const badAccept = readOutput(raw.outputLen());
  const badAcceptType = badAccept.slice(0, badAccept.length - badAcceptLen);
  const hugeInput = raw.inputBuffer(0xfffffff0);
  const afterStatus = om().handle("GET", "/").status;
  return { notUtf8Status, notUtf8Body, tooLongStatus, badName, badAcceptType, hugeInput, afterStatus };
}
