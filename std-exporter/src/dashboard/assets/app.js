// The omnimetrics dashboard: polls the JSON next to the page and draws it.
//
// No library, no build step: charts are SVG elements made here. Everything
// that comes from the server goes into the page as text (textContent or a
// plain attribute), never as markup, and links only when they are http(s).
'use strict';
(function () {
  const settings = JSON.parse(document.getElementById('settings').textContent);
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const POLL_MS = Math.min(Math.max(settings.interval_ms || 1000, 1000), 10000);
  // An error ratio from which the call graph draws a call or function red.
  const FAILING = 0.01;
  const COLORS = {
    rate: '#1f6feb', error: '#cf222e', p50: '#1a7f37', p95: '#bf8700', p99: '#8250df',
  };

  // ---------------------------------------------------------------- DOM helpers

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
    }
  }
  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    return append(node, children);
  }
  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    return append(node, children);
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }
  function keyOf(service, module, fn) {
    return service + '\u0000' + module + '\u0000' + fn;
  }
  const fnKey = (f) => keyOf(f.service_name, f.module, f.function);
  const calleeKey = (e) => keyOf(e.service_name, e.module, e.function);
  const callerKey = (e) => keyOf(e.service_name, e.caller_module, e.caller_function);

  // ---------------------------------------------------------------- numbers

  const fmt = {
    rate(x) {
      if (x === null || x === undefined) return '–';
      if (x === 0) return '0/s';
      if (x >= 100) return x.toFixed(0) + '/s';
      if (x >= 10) return x.toFixed(1) + '/s';
      if (x >= 0.01) return x.toFixed(2) + '/s';
      return '<0.01/s';
    },
    ratio(x) {
      if (x === null || x === undefined) return '–';
      if (x === 0) return '0%';
      const p = x * 100;
      if (p < 0.01) return '<0.01%';
      if (p < 1) return p.toFixed(2) + '%';
      if (p < 10) return p.toFixed(1) + '%';
      return p.toFixed(0) + '%';
    },
    duration(seconds) {
      if (seconds === null || seconds === undefined) return '–';
      if (seconds === 0) return '0';
      if (seconds < 0.001) return (seconds * 1e6).toFixed(0) + ' µs';
      if (seconds < 1) {
        const ms = seconds * 1000;
        return (ms < 10 ? ms.toFixed(1) : ms.toFixed(0)) + ' ms';
      }
      return (seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)) + ' s';
    },
    count(n) {
      return Number(n).toLocaleString('en-US');
    },
    // An axis label for a time `t` seconds before the latest sample (t <= 0).
    ago(t) {
      const a = Math.abs(t);
      if (a < 0.5) return 'now';
      if (a < 60) return '−' + Math.round(a) + 's';
      if (a < 5400) return '−' + +(a / 60).toFixed(1) + 'm';
      return '−' + +(a / 3600).toFixed(1) + 'h';
    },
    span(seconds) {
      if (seconds < 60) return Math.round(seconds) + ' s';
      if (seconds < 3600) {
        const m = Math.floor(seconds / 60);
        const r = Math.round(seconds % 60);
        return m + ' min' + (r ? ' ' + r + ' s' : '');
      }
      return +(seconds / 3600).toFixed(1) + ' h';
    },
    clock(date) {
      return date.toTimeString().slice(0, 8);
    },
  };

  // The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at
  // or above `v`: a chart's top.
  function niceTop(v) {
    if (!(v > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (m * power >= v * 0.999999) return m * power;
    }
    return 10 * power;
  }

  // ---------------------------------------------------------------- charts

  const CW = 420, CH = 132, PL = 48, PR = 8, PT = 8, PB = 18;

  // Draws `lines` ({values, color, label}) against `times` (seconds before
  // now) into `svg`. Gaps (null) break a line. The number of points of the
  // first line goes into data-points, so tests can tell when data arrived.
  function lineChart(svg, times, lines, opts) {
    clear(svg);
    setAttrs(svg, { viewBox: `0 0 ${CW} ${CH}` });
    const x0 = -Math.max(opts.span || 0, 1);
    const x = (t) => PL + ((t - x0) / -x0) * (CW - PL - PR);
    let max = 0;
    for (const line of lines) {
      for (const v of line.values) if (v !== null && v > max) max = v;
    }
    const top = niceTop(Math.max(max, opts.floor || 0));
    const y = (v) => PT + (1 - v / top) * (CH - PT - PB);

    for (const f of [0, 0.5, 1]) {
      const yy = y(top * f);
      svg.appendChild(s('line', { class: 'gridline', x1: PL, x2: CW - PR, y1: yy, y2: yy }));
      svg.appendChild(s('text', { class: 'axis', x: PL - 5, y: yy + 3, 'text-anchor': 'end' }, opts.format(top * f)));
    }
    for (const f of [0, 1 / 3, 2 / 3, 1]) {
      const t = x0 * (1 - f);
      const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
      svg.appendChild(s('text', { class: 'axis', x: x(t), y: CH - 4, 'text-anchor': anchor }, fmt.ago(t)));
    }

    let firstPoints = 0;
    lines.forEach((line, index) => {
      // Contiguous runs of values, each drawn as one path.
      const runs = [];
      let run = null;
      line.values.forEach((v, i) => {
        if (v === null || v === undefined || times[i] === undefined) {
          run = null;
          return;
        }
        if (!run) runs.push((run = []));
        run.push([x(times[i]), y(v)]);
      });
      const points = runs.reduce((n, r) => n + r.length, 0);
      if (index === 0) firstPoints = points;
      for (const r of runs) {
        const d = r.map(([px, py], i) => (i ? 'L' : 'M') + px.toFixed(1) + ' ' + py.toFixed(1)).join('');
        if (opts.area && index === 0) {
          const base = y(0).toFixed(1);
          const area = `M${r[0][0].toFixed(1)} ${base}` + d.replace(/^M/, 'L') + `L${r[r.length - 1][0].toFixed(1)} ${base}Z`;
          svg.appendChild(s('path', { class: 'area', d: area, fill: line.color }));
        }
        if (r.length === 1) {
          svg.appendChild(s('circle', { cx: r[0][0], cy: r[0][1], r: 2, fill: line.color }));
        } else {
          svg.appendChild(s('path', { class: 'line', d, stroke: line.color }));
        }
      }
    });
    svg.dataset.points = String(firstPoints);
    if (firstPoints === 0) {
      svg.appendChild(s('text', { class: 'nodata', x: (PL + CW - PR) / 2, y: (CH - PB) / 2 + 4, 'text-anchor': 'middle' }, opts.empty));
    }
    hover(svg, times, lines, x, opts.format);
  }

  // A dashed cursor and the values under the mouse.
  function hover(svg, times, lines, x, format) {
    const cursor = s('line', { class: 'cursor', y1: PT, y2: CH - PB, visibility: 'hidden' });
    const tip = s('text', { class: 'tip', y: PT + 10, visibility: 'hidden' });
    const overlay = s('rect', { x: PL, y: 0, width: CW - PL - PR, height: CH - PB, fill: 'transparent' });
    svg.append(cursor, tip, overlay);
    overlay.addEventListener('mousemove', (event) => {
      const box = svg.getBoundingClientRect();
      if (!box.width || !times.length) return;
      const mx = ((event.clientX - box.left) * CW) / box.width;
      let best = 0;
      times.forEach((t, i) => {
        if (Math.abs(x(t) - mx) < Math.abs(x(times[best]) - mx)) best = i;
      });
      const cx = x(times[best]);
      setAttrs(cursor, { x1: cx, x2: cx, visibility: 'visible' });
      clear(tip);
      tip.appendChild(s('tspan', { fill: '#626b75' }, fmt.ago(times[best]) + '   '));
      for (const line of lines) {
        tip.appendChild(s('tspan', { fill: line.color }, (line.label ? line.label + ' ' : '') + format(line.values[best]) + '   '));
      }
      const right = cx < (PL + CW) / 2;
      setAttrs(tip, { x: right ? CW - PR - 2 : PL + 4, 'text-anchor': right ? 'end' : 'start', visibility: 'visible' });
    });
    overlay.addEventListener('mouseleave', () => {
      cursor.setAttribute('visibility', 'hidden');
      tip.setAttribute('visibility', 'hidden');
    });
  }

  function sparkline(values) {
    const W = 120, H = 22;
    const svg = s('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' });
    const max = niceTop(Math.max(1e-9, ...values.filter((v) => v !== null)));
    let d = '', pen = false;
    values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      const px = values.length > 1 ? (i / (values.length - 1)) * W : W;
      d += (pen ? 'L' : 'M') + px.toFixed(1) + ' ' + (H - 1 - (v / max) * (H - 3)).toFixed(1);
      pen = true;
    });
    if (d) svg.appendChild(s('path', { d, fill: 'none', stroke: COLORS.rate, 'stroke-width': 1.4, 'vector-effect': 'non-scaling-stroke' }));
    return svg;
  }

  // ---------------------------------------------------------------- call graph

  // Nodes (functions, plus callers that are not in the list, such as the
  // "(other)" overflow slot) with a depth: the longest chain of calls from
  // a function nobody instrumented calls. Cycles (recursion) are cut by
  // never going deeper than the number of nodes.
  function callGraph(view) {
    const nodes = new Map();
    const add = (key, service, module, fn, f) => {
      if (!nodes.has(key)) nodes.set(key, { key, service, module, fn, f, depth: 0, callers: 0 });
      return nodes.get(key);
    };
    for (const f of view.functions) add(fnKey(f), f.service_name, f.module, f.function, f);
    const edges = [];
    for (const e of view.edges) {
      const from = add(callerKey(e), e.service_name, e.caller_module, e.caller_function, null);
      const to = add(calleeKey(e), e.service_name, e.module, e.function, null);
      if (from !== to) to.callers++;
      edges.push({ from, to, e });
    }
    for (let round = 0; round < nodes.size; round++) {
      let changed = false;
      for (const { from, to } of edges) {
        if (from !== to && from.depth + 1 > to.depth && from.depth + 1 < nodes.size) {
          to.depth = from.depth + 1;
          changed = true;
        }
      }
      if (!changed) break;
    }
    // One level per depth; within a level, under the callers (fewer
    // crossings), then by name.
    const levels = [];
    for (const n of nodes.values()) (levels[n.depth] = levels[n.depth] || []).push(n);
    const place = new Map();
    for (const level of levels.filter(Boolean)) {
      const weight = (n) => {
        const above = edges.filter((x) => x.to === n && place.has(x.from)).map((x) => place.get(x.from));
        return above.length ? above.reduce((a, b) => a + b, 0) / above.length : -1;
      };
      level.sort((a, b) => weight(a) - weight(b) || a.module.localeCompare(b.module) || a.fn.localeCompare(b.fn));
      level.forEach((n, i) => place.set(n, i / Math.max(1, level.length - 1)));
    }
    return { nodes, edges, levels: levels.filter(Boolean) };
  }

  // Top-down: callers above callees, one row per depth, each row centred.
  // The drawing shrinks to the panel's width, never grows past its own.
  function drawGraph(graph) {
    const svg = clear(document.getElementById('graph'));
    const NW = 150, NH = 36, GX = 14, GY = 48, M = 4;
    const widest = Math.max(1, ...graph.levels.map((level) => level.length));
    const width = M * 2 + widest * (NW + GX) - GX;
    const height = M * 2 + Math.max(1, graph.levels.length) * (NH + GY) - GY;
    const pos = new Map();
    graph.levels.forEach((level, depth) => {
      const offset = (width - (level.length * (NW + GX) - GX)) / 2;
      level.forEach((n, i) => pos.set(n, { x: offset + i * (NW + GX), y: M + depth * (NH + GY) }));
    });
    setAttrs(svg, { viewBox: `0 0 ${width} ${height}`, width: '100%' });
    svg.style.maxWidth = width + 'px';
    if (!graph.nodes.size) {
      svg.appendChild(s('text', { x: M, y: 20, class: 'edge-label' }, 'no functions yet'));
      return;
    }
    // Where each edge leaves its caller and enters its callee: spread
    // along the node's edge, in the order of the nodes at the other end.
    const outs = new Map(), ins = new Map();
    for (const edge of graph.edges) {
      if (edge.from === edge.to || !pos.has(edge.from) || !pos.has(edge.to)) continue;
      (outs.get(edge.from) || outs.set(edge.from, []).get(edge.from)).push(edge);
      (ins.get(edge.to) || ins.set(edge.to, []).get(edge.to)).push(edge);
    }
    const anchor = new Map();
    const spread = (groups, side, other) => {
      for (const [node, list] of groups) {
        list.sort((a, b) => pos.get(a[other]).x - pos.get(b[other]).x);
        list.forEach((edge, i) => {
          const at = anchor.get(edge) || {};
          at[side] = pos.get(node).x + (NW * (i + 1)) / (list.length + 1);
          anchor.set(edge, at);
        });
      }
    };
    spread(outs, 'out', 'to');
    spread(ins, 'in', 'from');
    const placed = [];
    const labels = [];
    for (const edge of anchor.keys()) {
      const { from, to, e } = edge;
      const a = pos.get(from), b = pos.get(to);
      const failing = (e.error_ratio || 0) >= FAILING;
      const x1 = anchor.get(edge).out, y1 = a.y + NH, x2 = anchor.get(edge).in, y2 = b.y;
      const bend = Math.max(GY / 2, Math.abs(y2 - y1) / 2);
      const c1 = [x1, y1 + bend], c2 = [x2, y2 - bend];
      const d = `M${x1} ${y1}C${c1[0]} ${c1[1]} ${c2[0]} ${c2[1]} ${x2} ${y2}`;
      const stroke = 1 + Math.min(3, Math.log2(1 + (e.rate || 0)) / 2);
      svg.appendChild(s('path', { class: 'edge' + (failing ? ' failing' : ''), d, 'stroke-width': stroke.toFixed(2) },
        s('title', null, `${e.caller_function} → ${e.function}: ${fmt.rate(e.rate)}, ${fmt.ratio(e.error_ratio)} errors`)));
      // The label goes in the gap above the callee (so it covers no node of
      // a level in between), moved up when it would cover another label,
      // and left out when there is no room; the edge's tooltip has it too.
      const text = fmt.rate(e.rate) + (failing ? ' · ' + fmt.ratio(e.error_ratio) : '');
      const width = text.length * 5.6, height = 11;
      let t = 0.5;
      for (let lo = 0, hi = 1, k = 0; k < 20; k++) {
        t = (lo + hi) / 2;
        if (cubic(t, [x1, y1], c1, c2, [x2, y2])[1] < y2 - GY / 2) lo = t; else hi = t;
      }
      let [lx, ly] = cubic(t, [x1, y1], c1, c2, [x2, y2]);
      const clash = () => placed.some((p) => Math.abs(p.x - lx) < (p.w + width) / 2 && Math.abs(p.y - ly) < height);
      for (let tries = 0; tries < 2 && clash(); tries++) ly -= height;
      if (clash()) continue;
      placed.push({ x: lx, y: ly, w: width });
      labels.push(s('text', { class: 'edge-label' + (failing ? ' failing' : ''), x: lx, y: ly + 3, 'text-anchor': 'middle' }, text));
    }
    for (const [n, p] of pos) {
      const f = n.f;
      const failing = f && (f.now.error_ratio || 0) >= FAILING;
      const group = s('g', { class: 'node' + (failing ? ' failing' : '') + (n.callers === 0 ? ' root' : ''), transform: `translate(${p.x},${p.y})` },
        s('rect', { width: NW, height: NH, rx: 6 }),
        s('text', { class: 'n', x: 8, y: 15 }, truncate(n.fn, 20)),
        s('text', { class: 'm', x: 8, y: 29 }, truncate(n.module, 13) + (f ? ' · ' + fmt.rate(f.now.rate) : '')),
        s('title', null, `${n.module}::${n.fn}`));
      if (f) {
        group.style.cursor = 'pointer';
        group.addEventListener('click', () => scrollToCard(n.key));
      }
      svg.appendChild(group);
    }
    for (const label of labels) svg.appendChild(label);
  }

  // A point of a cubic Bézier curve.
  function cubic(t, p0, p1, p2, p3) {
    const u = 1 - t;
    return [0, 1].map((i) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i]);
  }

  function truncate(text, n) {
    return text.length > n ? text.slice(0, n - 1) + '…' : text;
  }

  // ---------------------------------------------------------------- page parts

  const queryCache = new Map();
  const cards = new Map();
  let lastView = null;

  function renderHeader(view) {
    const services = view.services.length ? view.services.join(', ') : 'no instrumented functions yet';
    document.getElementById('service').textContent = services;
    document.title = 'omnimetrics · ' + services;
    const build = clear(document.getElementById('build'));
    view.build_info.forEach((b, i) => {
      if (i) build.appendChild(h('span', { class: 'sep' }, '|'));
      const parts = [];
      if (view.build_info.length > 1 && b.service_name) parts.push(b.service_name);
      if (b.version) parts.push('version ' + b.version);
      if (b.commit) parts.push('commit ' + b.commit.slice(0, 12));
      if (b.branch) parts.push('branch ' + b.branch);
      parts.forEach((p, j) => {
        if (j) build.appendChild(h('span', { class: 'sep' }, '·'));
        build.appendChild(h('span', null, p));
      });
      const repo = safeUrl(b.repository_url);
      if (repo) {
        build.appendChild(h('span', { class: 'sep' }, '·'));
        build.appendChild(h('a', { href: repo, rel: 'noreferrer noopener', target: '_blank' }, b.repository_url.replace(/^https?:\/\//i, '')));
      }
    });
    if (!view.build_info.length) build.textContent = 'no build_info';
  }

  function setStatus(state, text) {
    const status = document.getElementById('status');
    status.dataset.state = state;
    document.getElementById('status-text').textContent = text;
  }

  function renderObjectives(view) {
    const box = clear(document.getElementById('objectives'));
    document.getElementById('objectives-window').textContent = view.objectives.length
      ? 'over the last ' + fmt.span(view.span_s) + ' (the whole history)'
      : '';
    if (!view.objectives.length) {
      box.appendChild(h('p', { class: 'empty' }, 'No function declares an objective. Add one with #[autometrics(objective = MY_OBJECTIVE)].'));
      return;
    }
    for (const o of view.objectives) {
      const what = o.kind === 'latency' ? 'latency ≤ ' + fmt.duration(Number(o.threshold)) : 'success rate';
      const verdict = o.met === true ? 'met' : o.met === false ? 'not met' : 'no calls yet';
      const share = o.ratio === null ? '–' : (o.ratio * 100).toFixed(2) + '%';
      const done = o.kind === 'latency' ? 'within ' + fmt.duration(Number(o.threshold)) : 'succeeded';
      const detail = `of ${fmt.count(o.calls)} calls ${done}; target ${o.percentile}%` +
        (o.burn_rate !== null && o.burn_rate > 0 ? `; error budget burning ${+o.burn_rate.toFixed(1)}× as fast as allowed` : '');
      box.appendChild(h('div', { class: 'objective', 'data-objective': o.name, 'data-kind': o.kind, 'data-met': String(o.met) },
        h('div', { class: 'head' }, h('span', { class: 'title' }, o.name + ' · ' + what), h('span', { class: 'verdict' }, verdict)),
        h('div', { class: 'figure' }, share),
        h('div', { class: 'detail' }, detail),
        h('div', { class: 'members mono' }, o.functions.join(', '))));
    }
  }

  function renderOverview(view, order) {
    document.getElementById('overview-window').textContent = `rates over ${fmt.span(view.window_s)}`;
    document.getElementById('overview-empty').hidden = view.functions.length > 0;
    const body = clear(document.querySelector('#overview tbody'));
    for (const f of order) {
      const n = f.now;
      const bad = (n.error_ratio || 0) > 0;
      const tr = h('tr', { 'data-function': f.function, 'data-module': f.module },
        h('td', { class: 'name' }, h('span', { class: 'fname' }, f.function), h('span', { class: 'module' }, f.module),
          f.objective ? h('span', { class: 'tag' }, f.objective) : null),
        h('td', { class: 'rate' }, fmt.rate(n.rate)),
        h('td', { class: 'errors' + (bad ? ' bad' : '') }, fmt.ratio(n.error_ratio)),
        h('td', null, fmt.duration(n.p50)),
        h('td', null, fmt.duration(n.p95)),
        h('td', null, fmt.duration(n.p99)),
        h('td', null, f.concurrency ? String(n.concurrent ?? 0) : ''),
        h('td', { class: 'trend' }, sparkline(f.series.rate)));
      tr.addEventListener('click', () => scrollToCard(fnKey(f)));
      body.appendChild(tr);
    }
  }

  function scrollToCard(key) {
    const card = cards.get(key);
    if (card) card.root.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function tile(name, label) {
    const value = h('div', { class: 'v' }, '–');
    return { node: h('div', { class: 'tile ' + name }, value, h('div', { class: 'k' }, label)), value };
  }

  function legend(items) {
    return items.map(([text, color]) => {
      const key = h('span', { class: 'key' }, text);
      key.style.color = color;
      return key;
    });
  }

  function newCard(f) {
    const tiles = {
      rate: tile('rate', 'calls/s'),
      errors: tile('errors', 'errors'),
      p50: tile('p50', 'p50'),
      p95: tile('p95', 'p95'),
      p99: tile('p99', 'p99'),
      concurrent: f.concurrency ? tile('concurrent', 'in flight') : null,
      total: tile('total', 'calls since start'),
    };
    const charts = {
      rate: s('svg', { class: 'chart', 'data-kind': 'rate', role: 'img', 'aria-label': 'calls per second' }),
      errors: s('svg', { class: 'chart', 'data-kind': 'error_ratio', role: 'img', 'aria-label': 'error ratio' }),
      latency: s('svg', { class: 'chart', 'data-kind': 'latency', role: 'img', 'aria-label': 'latency percentiles' }),
    };
    const calledBy = h('ul');
    const calls = h('ul');
    const queries = h('div', { class: 'queries' }, h('p', { class: 'empty' }, 'loading…'));
    const objective = f.objective ? h('span', { class: 'tag' }, 'objective ' + f.objective) : null;
    const root = h('article', { class: 'fn', 'data-function': f.function, 'data-module': f.module, 'data-service': f.service_name },
      h('header', null, h('h3', null, f.function), h('span', { class: 'module mono' }, f.module), objective,
        h('span', { class: 'links' }, 'service ' + f.service_name)),
      h('div', { class: 'tiles' }, Object.values(tiles).filter(Boolean).map((t) => t.node)),
      h('div', { class: 'charts' },
        h('figure', null, h('figcaption', null, legend([['calls per second', COLORS.rate]])), charts.rate),
        h('figure', null, h('figcaption', null, legend([['error ratio', COLORS.error]])), charts.errors),
        h('figure', null, h('figcaption', null, legend([['p50', COLORS.p50], ['p95', COLORS.p95], ['p99', COLORS.p99]])), charts.latency)),
      h('div', { class: 'relations' },
        h('div', null, h('h4', null, 'Called by'), calledBy),
        h('div', null, h('h4', null, 'Calls'), calls)),
      h('details', { class: 'promql' }, h('summary', null, 'PromQL for this function: paste into Prometheus or Grafana'), queries));
    return { root, tiles, charts, calledBy, calls, queries, queriesShown: false };
  }

  function relationItem(name, e) {
    const failing = (e.error_ratio || 0) > 0;
    return h('li', null, h('span', { class: 'mono' }, name), ' ',
      h('span', { class: 'num' }, fmt.rate(e.rate)),
      failing ? h('span', { class: 'bad' }, ' · ' + fmt.ratio(e.error_ratio) + ' errors') : null);
  }

  function renderQueries(card, list) {
    clear(card.queries);
    for (const q of list) {
      const link = safeUrl(q.link);
      const copy = h('button', { type: 'button' }, 'copy');
      copy.addEventListener('click', () => {
        const done = () => { copy.textContent = 'copied'; setTimeout(() => { copy.textContent = 'copy'; }, 1500); };
        if (navigator.clipboard) navigator.clipboard.writeText(q.promql).then(done, () => { copy.textContent = 'select and copy'; });
      });
      card.queries.appendChild(h('div', { class: 'query', 'data-query': q.id },
        h('div', { class: 'qhead' }, h('span', { class: 'qtitle' }, q.title), copy,
          link ? h('a', { href: link, target: '_blank', rel: 'noreferrer noopener' }, 'open in Prometheus') : null),
        h('pre', null, q.promql)));
    }
    card.queriesShown = true;
  }

  function updateCard(card, f, view) {
    const n = f.now;
    card.root.dataset.rate = n.rate === null ? '' : String(n.rate);
    card.root.dataset.errorRatio = n.error_ratio === null ? '' : String(n.error_ratio);
    card.tiles.rate.value.textContent = fmt.rate(n.rate);
    card.tiles.errors.value.textContent = fmt.ratio(n.error_ratio);
    card.tiles.errors.node.classList.toggle('bad', (n.error_ratio || 0) > 0);
    card.tiles.p50.value.textContent = fmt.duration(n.p50);
    card.tiles.p95.value.textContent = fmt.duration(n.p95);
    card.tiles.p99.value.textContent = fmt.duration(n.p99);
    if (card.tiles.concurrent) card.tiles.concurrent.value.textContent = String(n.concurrent ?? 0);
    card.tiles.total.value.textContent = fmt.count(f.total_calls) + (f.total_errors ? ` (${fmt.count(f.total_errors)} failed)` : '');

    const span = view.span_s;
    lineChart(card.charts.rate, view.times, [{ values: f.series.rate, color: COLORS.rate }],
      { span, floor: 1, format: (v) => fmt.rate(v).replace('/s', ''), area: true, empty: 'no calls in the window yet' });
    lineChart(card.charts.errors, view.times, [{ values: f.series.error_ratio, color: COLORS.error }],
      { span, floor: 0.01, format: fmt.ratio, area: true, empty: 'no calls in the window yet' });
    lineChart(card.charts.latency, view.times, [
      { values: f.series.p50, color: COLORS.p50, label: 'p50' },
      { values: f.series.p95, color: COLORS.p95, label: 'p95' },
      { values: f.series.p99, color: COLORS.p99, label: 'p99' },
    ], { span, floor: 0.001, format: fmt.duration, empty: 'no calls in the window yet' });

    const key = fnKey(f);
    clear(card.calledBy);
    clear(card.calls);
    for (const e of view.edges) {
      if (calleeKey(e) === key) card.calledBy.appendChild(relationItem(e.caller_module + '::' + e.caller_function, e));
      if (callerKey(e) === key) card.calls.appendChild(relationItem(e.module + '::' + e.function, e));
    }
    if (!card.calledBy.firstChild) card.calledBy.appendChild(h('li', { class: 'num' }, 'no instrumented caller (an entry point)'));
    if (!card.calls.firstChild) card.calls.appendChild(h('li', { class: 'num' }, 'no instrumented function'));
    if (!card.queriesShown && queryCache.has(key)) renderQueries(card, queryCache.get(key));
  }

  function render(view) {
    renderHeader(view);
    renderObjectives(view);
    const graph = callGraph(view);
    const depth = new Map([...graph.nodes.values()].map((n) => [n.key, n.depth]));
    const order = view.functions.slice().sort((a, b) =>
      depth.get(fnKey(a)) - depth.get(fnKey(b)) || a.module.localeCompare(b.module) || a.function.localeCompare(b.function));
    renderOverview(view, order);
    drawGraph(graph);

    const box = document.getElementById('functions');
    const seen = new Set();
    order.forEach((f, i) => {
      const key = fnKey(f);
      seen.add(key);
      let card = cards.get(key);
      if (!card) {
        card = newCard(f);
        cards.set(key, card);
      }
      updateCard(card, f, view);
      if (box.children[i] !== card.root) box.insertBefore(card.root, box.children[i] || null);
    });
    for (const [key, card] of cards) {
      if (!seen.has(key)) {
        card.root.remove();
        cards.delete(key);
      }
    }
  }

  // ---------------------------------------------------------------- polling

  async function poll() {
    const needQueries = !lastView || lastView.functions.some((f) => !queryCache.has(fnKey(f)));
    try {
      const response = await fetch(settings.json + (needQueries ? '?queries=1' : ''), { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const view = await response.json();
      for (const f of view.functions) if (f.queries) queryCache.set(fnKey(f), f.queries);
      lastView = view;
      try {
        render(view);
      } catch (error) {
        console.error('omnimetrics dashboard: drawing failed', error);
      }
      setStatus('live', `live · a sample every ${fmt.span(view.interval_s)} · ${fmt.span(view.span_s)} of history (${view.samples} of ${view.capacity} samples) · updated ${fmt.clock(new Date())}`);
    } catch (error) {
      setStatus('error', `cannot load ${settings.json} (${error.message}); retrying`);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  if (settings.metrics) {
    const ref = document.getElementById('metrics-ref');
    clear(ref).appendChild(h('a', { href: settings.metrics }, settings.metrics));
  }
  poll();
})();
