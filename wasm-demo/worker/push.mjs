// Pushing an isolate's snapshot to a Pushgateway-style receiver.
//
// A Worker cannot be scraped, so after a request it sends its whole
// snapshot (Prometheus text 0.0.4) with PUT to
//   <base>/metrics/job/<job>/instance/<isolate id>
// PUT replaces everything the gateway holds for that grouping key, which is
// right for a snapshot: the isolate's counters are cumulative, so the last
// push received is the isolate's state. One group per isolate means isolates
// never overwrite each other; sum over `instance` in queries.
//
// pushSnapshot never rejects and never throws: a push that fails is only
// counted (recordPush(false), exported as omnimetrics_push_failures_total).

const TEXT_0_0_4 = "text/plain; version=0.0.4; charset=utf-8";

// One `/<name>/<value>` pair of a grouping key. Values that are empty or
// contain "/" use the gateway's base64url form (`<name>@base64/<value>`).
export function groupingPair(name, value) {
  const v = String(value);
  if (v === "" || v.includes("/")) {
    const b64 = btoa(String.fromCodePoint(...new TextEncoder().encode(v)))
      .replaceAll("+", "-")
      .replaceAll("/", "_");
    return `/${name}@base64/${b64 === "" ? "=" : b64}`;
  }
  return `/${name}/${encodeURIComponent(v)}`;
}

// The push settings from the Worker's environment, or null when pushing is
// off (no PUSHGATEWAY_URL).
export function pushConfig(env, isolateId) {
  const base = (env.PUSHGATEWAY_URL ?? "").trim().replace(/\/+$/, "");
  if (base === "") return null;
  const job = env.PUSH_JOB || "omnimetrics-wasm-demo";
  const timeoutMs = Number.parseInt(env.PUSH_TIMEOUT_MS ?? "", 10);
  return {
    url: `${base}/metrics${groupingPair("job", job)}${groupingPair("instance", isolateId)}`,
    timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 5000,
    authorization: env.PUSH_AUTHORIZATION || null,
  };
}

// Takes the snapshot now (synchronously, so it holds the request that just
// finished), then sends it. Resolves to whether the gateway accepted it.
export async function pushSnapshot(config, om) {
  let ok = false;
  try {
    const body = om.metricsText();
    const headers = { "content-type": TEXT_0_0_4 };
    if (config.authorization) headers.authorization = config.authorization;
    const response = await fetch(config.url, {
      method: "PUT",
      headers,
      body,
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    ok = response.ok;
    const answer = await response.text();
    if (!ok && response.status >= 400 && response.status < 500) {
      // The gateway rejected the payload itself: worth a log line, unlike
      // a gateway that is down (which is only counted).
      console.warn(`push rejected (${response.status}): ${answer.slice(0, 200)}`);
    }
  } catch {
    ok = false;
  }
  try {
    om.recordPush(ok);
  } catch {
    // Counting must not turn into a failure either.
  }
  return ok;
}
