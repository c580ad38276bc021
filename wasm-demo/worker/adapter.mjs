// The JS half of omnimetrics-wasm: the API a worker uses, over the module's
// raw exports.
//
// Strings do not cross the boundary as JS values (that machinery would be a
// quarter of the module; see src/buffer.rs): a string argument is written
// as UTF-8 into the module's input buffer and passed as its length, and
// output is written by the module into its output buffer, whose length the
// export returns, and read here out of wasm memory before the next call.
//
//   import * as raw from "../pkg/omnimetrics_wasm.js";
//   const om = adapter(raw, raw.initSync({ module: wasm }).memory);
//   om.metricsText(); // a string
//
// The module imports hostNow from this file too (its clock): that is why it
// has no other imports.

// What an export returns when its output did not fit in memory
// (OUT_OF_MEMORY in src/bindings.rs).
const OUT_OF_MEMORY = 0xffffffff;

// performance.now(), or NaN when the host has none or it throws: a JS
// exception must not unwind through the module's instrumented frames.
export function hostNow() {
  try {
    return performance.now();
  } catch {
    return Number.NaN;
  }
}

// The adapter API over `raw` (the wasm-bindgen module, initialised) and its
// `memory` (a WebAssembly.Memory).
export function adapter(raw, memory) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  // Writes `strings` (null and undefined as "") one after the other into
  // the input buffer; returns their lengths in bytes.
  function input(...strings) {
    const encoded = strings.map((s) => encoder.encode(s ?? ""));
    const total = encoded.reduce((n, bytes) => n + bytes.length, 0);
    const at = raw.inputBuffer(total);
    if (at === 0) throw new Error(`omnimetrics: no memory for ${total} bytes of input`);
    // After the call: growing the buffer may have grown (replaced) memory.buffer.
    const view = new Uint8Array(memory.buffer, at, total);
    let offset = 0;
    for (const bytes of encoded) {
      view.set(bytes, offset);
      offset += bytes.length;
    }
    return encoded.map((bytes) => bytes.length);
  }

  // The `len` bytes of the last output, still in wasm memory.
  function output(len) {
    if (len === OUT_OF_MEMORY) throw new Error("omnimetrics: out of memory writing the output");
    return new Uint8Array(memory.buffer, raw.outputPtr(), len);
  }
  const text = (len) => decoder.decode(output(len));

  return {
    useHostClock: () => raw.useHostClock(),
    useManualClock: () => raw.useManualClock(),
    setTimeMillis: (ms) => raw.setTimeMillis(ms),
    setServiceName: (name) => raw.setServiceName(...input(name)),
    metricsText: () => text(raw.metricsText()),
    metricsOpenMetrics: () => text(raw.metricsOpenMetrics()),
    // A scrape's answer: the format `accept` (an Accept header) asks for,
    // and its Content-Type.
    metricsFor(accept) {
      const bodyLen = raw.metricsFor(...input(accept));
      const all = output(bodyLen === OUT_OF_MEMORY ? bodyLen : raw.outputLen());
      const at = all.length - bodyLen;
      return {
        contentType: decoder.decode(all.subarray(0, at)),
        body: decoder.decode(all.subarray(at)),
      };
    },
    // A copy: the module reuses its output buffer on the next call.
    metricsFrames: () => output(raw.metricsFrames()).slice(),
    setFrameBootId: (id) => raw.setFrameBootId(id),
    enablePushMetrics: () => raw.enablePushMetrics(),
    recordPush: (ok) => raw.recordPush(ok),
    // The demo shop: { status, body }.
    handle(method, path) {
      const status = raw.handle(...input(method, path));
      return { status, body: text(raw.outputLen()) };
    },
  };
}
