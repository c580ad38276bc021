// Opens the demo's dashboard in headless Chromium and checks, from the
// page's DOM, what a user would see: every instrumented function of the
// demo listed with a non-zero request rate, an error ratio above zero for
// the failing function, charts with data, the PromQL queries, objectives.
// Then saves screenshots.
//
// The list of functions comes from the demo's own /metrics (every
// `function_calls_total` series), not from the page, so a function the
// page forgets is caught.
//
// Usage: node check.mjs BASE_URL SCREENSHOT.png FULL_PAGE.png FAILING
//   BASE_URL   the dashboard, e.g. http://127.0.0.1:9464/
//   FAILING    module::function that fails now and then, e.g. demo::db::query
// Environment: CHROMIUM (default /usr/bin/chromium), CHECK_TIMEOUT_MS.
import { chromium } from 'playwright-core';

const [base, screenshot, fullPage, failing] = process.argv.slice(2);
if (!base || !screenshot || !fullPage || !failing) {
  console.error('usage: node check.mjs BASE_URL SCREENSHOT.png FULL_PAGE.png MODULE::FUNCTION');
  process.exit(2);
}
const timeout = Number(process.env.CHECK_TIMEOUT_MS || 60000);
const origin = new URL(base).origin;

function fail(message) {
  console.error('dashboard check FAILED: ' + message);
  process.exitCode = 1;
}

// What the demo exports, straight from its metrics endpoint.
const metrics = await (await fetch(new URL('metrics', base))).text();
const expected = new Set();
for (const line of metrics.split('\n')) {
  if (!line.startsWith('function_calls_total{')) continue;
  const fn = /[{,]function="([^"]*)"/.exec(line);
  const module = /[{,]module="([^"]*)"/.exec(line);
  if (fn && module) expected.add(module[1] + '::' + fn[1]);
}
console.log(`/metrics lists ${expected.size} instrumented functions: ${[...expected].sort().join(', ')}`);
if (expected.size < 5) {
  fail('expected the demo to export at least 5 functions');
  process.exit();
}
if (!expected.has(failing)) {
  fail(`${failing} is not among the exported functions`);
  process.exit();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const requests = [];
  const problems = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push('console error: ' + m.text());
  });
  await page.goto(base, { waitUntil: 'load' });

  // Until every function has a card whose rate chart has data and a rate
  // above zero, and the failing one shows errors.
  const started = Date.now();
  try {
    await page.waitForFunction(
      ({ names, failing }) => {
        const cards = new Map(
          [...document.querySelectorAll('article.fn')].map((c) => [c.dataset.module + '::' + c.dataset.function, c]),
        );
        return names.every((n) => {
          const c = cards.get(n);
          if (!c) return false;
          const points = Number(c.querySelector('svg.chart[data-kind="rate"]')?.dataset.points || 0);
          const ok = points >= 3 && Number(c.dataset.rate) > 0;
          return n === failing ? ok && Number(c.dataset.errorRatio) > 0 : ok;
        });
      },
      { names: [...expected], failing },
      { timeout, polling: 250 },
    );
  } catch (e) {
    fail(`the page did not show data for every function within ${timeout} ms (${e.message.split('\n')[0]})`);
  }
  console.log(`charts had data after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Let the in-flight polls settle so the screenshot is of a complete page.
  await page.waitForTimeout(1500);

  const seen = await page.evaluate(() => ({
    status: document.getElementById('status').dataset.state,
    service: document.getElementById('service').textContent,
    build: document.getElementById('build').textContent,
    cards: [...document.querySelectorAll('article.fn')].map((c) => ({
      name: c.dataset.module + '::' + c.dataset.function,
      function: c.dataset.function,
      rate: Number(c.dataset.rate),
      errorRatio: Number(c.dataset.errorRatio),
      rateText: c.querySelector('.tile.rate .v').textContent,
      errorText: c.querySelector('.tile.errors .v').textContent,
      errorsMarked: c.querySelector('.tile.errors').classList.contains('bad'),
      points: Object.fromEntries(
        [...c.querySelectorAll('svg.chart')].map((s) => [s.dataset.kind, Number(s.dataset.points || 0)]),
      ),
      queries: [...c.querySelectorAll('.query pre')].map((p) => p.textContent),
    })),
    rows: [...document.querySelectorAll('#overview tbody tr')].map((r) => ({
      name: r.dataset.module + '::' + r.dataset.function,
      rate: r.querySelector('td.rate').textContent,
      errors: r.querySelector('td.errors').textContent,
    })),
    objectives: [...document.querySelectorAll('.objective')].map((o) => ({
      name: o.dataset.objective,
      kind: o.dataset.kind,
      met: o.dataset.met,
      text: o.querySelector('.figure').textContent + ' ' + o.querySelector('.detail').textContent,
    })),
    graphNodes: document.querySelectorAll('#graph .node').length,
    graphEdges: document.querySelectorAll('#graph .edge').length,
  }));

  console.log(`status: ${seen.status}; service: ${seen.service}; build: ${seen.build}`);
  console.log('function                         calls/s  errors  chart points (rate/errors/latency)  queries');
  for (const c of seen.cards) {
    console.log(`${c.name.padEnd(32)} ${c.rateText.padStart(7)} ${c.errorText.padStart(7)}  ` +
      `${c.points.rate}/${c.points.error_ratio}/${c.points.latency}`.padEnd(36) + ` ${c.queries.length}`);
  }
  for (const o of seen.objectives) console.log(`objective ${o.name} (${o.kind}): met=${o.met}: ${o.text}`);
  console.log(`call graph: ${seen.graphNodes} nodes, ${seen.graphEdges} edges`);

  if (seen.status !== 'live') fail(`the status says ${seen.status}, not live`);
  const cards = new Map(seen.cards.map((c) => [c.name, c]));
  const rows = new Map(seen.rows.map((r) => [r.name, r]));
  for (const name of expected) {
    const c = cards.get(name);
    if (!c) { fail(`${name} has no card on the page`); continue; }
    if (!rows.has(name)) fail(`${name} is not in the overview table`);
    if (!(c.rate > 0) || ['–', '0/s'].includes(c.rateText)) fail(`${name} shows no request rate (${c.rateText})`);
    if (c.points.rate < 3 || c.points.latency < 3) fail(`${name}'s charts have too few points: ${JSON.stringify(c.points)}`);
    if (c.queries.length !== 8) fail(`${name} shows ${c.queries.length} PromQL queries, not 8`);
    else if (!c.queries[0].includes(`function="${c.function}"`)) fail(`${name}'s request-rate query does not select it: ${c.queries[0]}`);
  }
  for (const name of cards.keys()) {
    if (!expected.has(name)) fail(`the page lists ${name}, which /metrics does not export`);
  }
  const bad = cards.get(failing);
  if (bad && (!(bad.errorRatio > 0) || ['–', '0%'].includes(bad.errorText) || !bad.errorsMarked)) {
    fail(`${failing} shows no error ratio above zero (${bad.errorText})`);
  }
  const row = rows.get(failing);
  if (row && ['–', '0%'].includes(row.errors)) fail(`the overview shows no errors for ${failing}`);
  if (!seen.objectives.length) fail('no objective is shown');
  if (seen.objectives.some((o) => o.met !== 'true' && o.met !== 'false')) fail('an objective has no verdict');
  if (seen.graphNodes < expected.size) fail(`the call graph has ${seen.graphNodes} nodes for ${expected.size} functions`);
  const foreign = requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('data:'));
  if (foreign.length) fail(`the page fetched from elsewhere: ${foreign.join(', ')}`);
  console.log(`${requests.length} requests, all to ${origin}`);
  if (problems.length) fail(problems.join('; '));

  await page.screenshot({ path: screenshot });
  await page.screenshot({ path: fullPage, fullPage: true });
  console.log(`screenshots: ${screenshot}, ${fullPage}`);
} finally {
  await browser.close();
}
if (!process.exitCode) console.log('dashboard check passed');
