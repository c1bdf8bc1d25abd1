// shipshape's dashboard: plain DOM and Chart.js, fed by /api/v1/* and the /api/v1/events stream.
// Every value from the host is set as text (never as HTML): container names and messages are user data.
'use strict';

const state = {
  points: [],            // host points, oldest first: {t, cpu, mem, c: {id: [cpu, mem]}}
  containers: new Map(), // id -> {id, name, image, cpu_limit_cores, memory_limit_bytes, running}
  windowMs: 3600 * 1000,
  cores: 0,
  memoryTotal: 0,
  incidentFilter: { kind: '', subject: '' },
  charts: {},
};

// --- small helpers -----------------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k === 'href' || k === 'title' || k === 'id' || k === 'style') node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function bytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(n >= 100 || i === 0 ? 0 : 1).replace(/\.0$/, '')} ${units[i]}`;
}

function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.round((s % 86400) / 3600)} h`;
}

// One formatter for every label: toLocaleTimeString builds a new one per call and was the page's top cost.
const clockFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
function clock(ms) {
  return clockFormat.format(ms);
}

// One colour per container, distinct from every other on the page: a hash of the ID put two containers on
// nearly the same hue often enough to make the stacked chart unreadable. Colours are handed out in order of
// first sight (the host API lists containers sorted), from a palette of well-separated hues, then by the
// golden angle; a container keeps its colour while the page is open.
const palette = [210, 30, 130, 350, 270, 55, 180, 300, 95, 240];
const colourOf = new Map(); // id -> hue
function colour(id, alpha) {
  if (!colourOf.has(id)) {
    const n = colourOf.size;
    colourOf.set(id, n < palette.length ? palette[n] : Math.round((n * 137.508) % 360));
  }
  return `hsla(${colourOf.get(id)}, 62%, 48%, ${alpha})`;
}

function showProblem(text) {
  const p = document.getElementById('problem');
  p.textContent = text;
  p.hidden = !text;
}

async function api(path) {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) {
    window.location.href = '/login';
    throw new Error('not signed in');
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// --- host: charts and the container table ------------------------------------------------------------
function makeChart(canvas, formatValue) {
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      spanGaps: false,
      elements: { point: { radius: 0 }, line: { borderWidth: 1 } },
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', ticks: { callback: (v) => clock(v), maxTicksLimit: 6, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: formatValue, maxTicksLimit: 5 } },
      },
      plugins: {
        // The container table below is the legend (same colours): text is the dearest thing to redraw.
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => items.length ? clock(items[0].parsed.x) : '',
                                label: (item) => `${item.dataset.label}: ${formatValue(item.parsed.y)}` } },
      },
    },
  });
}

// At most ~150 points per series reach the chart: an hour at 5 s is 720, and the canvas is ~600 px wide.
// Buckets are aligned to time (not to the array), so the drawn history does not shift as points arrive.
const kMaxDrawn = 150;
function drawnPoints() {
  const n = state.points.length;
  if (n <= kMaxDrawn || n < 2) return state.points;
  const step = (state.points[n - 1].t - state.points[0].t) / (n - 1);
  const width = step * Math.ceil(n / kMaxDrawn);
  const out = [];
  let bucket = null, key = null;
  const flush = () => {
    if (!bucket) return;
    const c = {};
    for (const [id, [cpu, mem]] of Object.entries(bucket.sum)) c[id] = [cpu / bucket.count, mem / bucket.count];
    out.push({ t: bucket.t, c });
  };
  for (const p of state.points) {
    const k = Math.floor(p.t / width);
    if (k !== key) {
      flush();
      key = k;
      bucket = { t: p.t, count: 0, sum: {} };
    }
    bucket.count++;
    bucket.t = p.t;  // the bucket is drawn at its newest point, so the live edge stays at "now"
    for (const [id, v] of Object.entries(p.c)) {
      const s = bucket.sum[id] || (bucket.sum[id] = [0, 0]);
      s[0] += v[0];
      s[1] += v[1];
    }
  }
  flush();
  return out;
}

function datasetsFor(metric, points) {
  const index = metric === 'cpu' ? 0 : 1;
  const ids = [...state.containers.keys()].sort((a, b) =>
    state.containers.get(a).name.localeCompare(state.containers.get(b).name));
  const sets = [];
  const tStart = points.length ? points[0].t : 0;
  const tEnd = points.length ? points[points.length - 1].t : 0;
  for (const id of ids) {
    const meta = state.containers.get(id);
    const limit = metric === 'cpu' ? meta.cpu_limit_cores : meta.memory_limit_bytes;
    sets.push({
      label: meta.name + (limit ? '' : ' (no limit)'),
      data: points.map((p) => ({ x: p.t, y: p.c[id] ? p.c[id][index] : 0 })),
      borderColor: colour(id, 1),
      backgroundColor: colour(id, 0.35),
      fill: true,
      stack: 'usage',
    });
    if (limit) {
      sets.push({
        label: `${meta.name} limit`,
        data: [{ x: tStart, y: limit }, { x: tEnd, y: limit }],
        borderColor: colour(id, 1),
        borderDash: [6, 4],
        borderWidth: 1.5,
        fill: false,
        stack: `limit-${id}`,  // drawn on its own, not on top of the usage
      });
    }
  }
  return sets;
}

// The charts get about 0.25 % of a core: a redraw that took D ms waits 400 × D before the next one. A redraw
// costs as much again in paint and garbage outside the script, and a cold one (after seconds idle) 15-40 ms
// in a software-rendered browser; so a short history redraws on every point and a long one every 15 s at most.
const chartBudget = { lastAt: 0, lastCost: 0, pending: 0 };
function scheduleCharts() {
  const wait = chartBudget.lastAt + Math.min(chartBudget.lastCost * 400, 15000) - performance.now();
  if (wait <= 0) return renderCharts();
  if (!chartBudget.pending) chartBudget.pending = setTimeout(() => { chartBudget.pending = 0; renderCharts(); }, wait);
}

function renderCharts() {
  if (typeof Chart === 'undefined') return;
  let started = performance.now();
  if (!state.charts.cpu) {
    started = Infinity;  // building the charts is not what a redraw costs
    state.charts.cpu = makeChart(document.getElementById('cpu-chart'), (v) => `${Number(v).toFixed(2)}`);
    state.charts.mem = makeChart(document.getElementById('mem-chart'), (v) => bytes(v));
  }
  const points = drawnPoints();
  for (const metric of ['cpu', 'mem']) {
    const chart = state.charts[metric];
    chart.data.datasets = datasetsFor(metric, points);
    // The time axis spans the data exactly (a linear scale would round it out to "nice" ticks).
    chart.options.scales.x.min = points.length ? points[0].t : undefined;
    chart.options.scales.x.max = points.length ? points[points.length - 1].t : undefined;
    chart.update('none');
    chart.canvas.dataset.points = String(state.points.length);
    chart.canvas.dataset.series = String(chart.data.datasets.length);
  }
  chartBudget.lastAt = performance.now();
  chartBudget.lastCost = Math.max(0, chartBudget.lastAt - started);
}

function renderContainers() {
  const body = document.querySelector('#containers tbody');
  const last = state.points[state.points.length - 1];
  const rows = [...state.containers.values()].filter((c) => c.running)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => {
      const now = last && last.c[c.id] ? last.c[c.id] : [0, 0];
      const noLimit = el('span', { class: 'nolimit', text: 'no limit', title: 'a runaway process here can starve the host (SS1xx)' });
      return el('tr', { 'data-container': c.name },
        el('td', {}, el('span', { class: 'swatch', style: `background:${colour(c.id, 1)}` }), c.name),
        el('td', { class: 'muted', text: c.image }),
        el('td', { class: 'num', text: `${now[0].toFixed(2)} cores` }),
        el('td', { class: 'num' }, c.cpu_limit_cores ? `${c.cpu_limit_cores.toFixed(2)} cores` : noLimit.cloneNode(true)),
        el('td', { class: 'num', text: bytes(now[1]) }),
        el('td', { class: 'num' }, c.memory_limit_bytes ? bytes(c.memory_limit_bytes) : noLimit));
    });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'no running containers' })));
  const signature = rows.map((r) => r.textContent).join('\n');
  if (signature === state.containersSignature) return;
  state.containersSignature = signature;
  body.replaceChildren(...rows);
}

function mergeContainers(list) {
  for (const c of list) {
    state.containers.set(c.id, c);
    colour(c.id, 1);  // hand out colours in the API's order
  }
}

function trimWindow() {
  if (!state.points.length) return;
  const newest = state.points[state.points.length - 1].t;
  while (state.points.length && newest - state.points[0].t > state.windowMs) state.points.shift();
  const seen = new Set();
  for (const p of state.points) for (const id of Object.keys(p.c)) seen.add(id);
  for (const id of [...state.containers.keys()]) if (!seen.has(id)) state.containers.delete(id);
}

async function loadHost() {
  const h = await api('/api/v1/host');
  state.windowMs = h.window_ms;
  state.cores = h.cores;
  state.memoryTotal = h.memory_total_bytes;
  state.points = h.points;
  state.containers = new Map();
  mergeContainers(h.containers);
  renderCharts();
  renderContainers();
}

function onSample(event) {
  const h = JSON.parse(event.data);
  for (const c of state.containers.values()) c.running = false;
  mergeContainers(h.containers);
  for (const p of h.points) {
    const last = state.points[state.points.length - 1];
    if (!last || p.t > last.t) state.points.push(p);
  }
  trimWindow();
  scheduleCharts();
  renderContainers();
}

// --- incidents --------------------------------------------------------------------------------------
function timeline(i) {
  const steps = [{ at: i.started_at_ms, what: 'began', detail: '' },
                 { at: i.opened_at_ms, what: 'detected', detail: `after ${duration(i.time_to_detect_ms)}` }];
  for (const a of i.actions) {
    steps.push({ at: a.at_ms, what: `${a.automatic ? '' : 'manual '}${a.kind}`,
                 detail: `${a.description}${a.outcome && a.outcome !== 'ok' ? ` — ${a.outcome}` : ''}${a.duration_ms ? ` (${duration(a.duration_ms)})` : ''}` });
  }
  if (i.resolved_at_ms) steps.push({ at: i.resolved_at_ms, what: 'recovered', detail: `after ${duration(i.time_to_recover_ms)}` });
  const item = (s) => el('li', { value: steps.indexOf(s) + 1 }, el('span', { class: 'at', text: `${clock(s.at)} (+${duration(Math.max(0, s.at - i.started_at_ms))})` }),
    el('b', { text: s.what }), s.detail ? ` ${s.detail}` : '');
  // A long run of actions (a container restarted every few seconds) folds in the middle.
  if (steps.length <= 10) return el('ol', { class: 'timeline' }, steps.map(item));
  const head = steps.slice(0, 5), middle = steps.slice(5, -3), tail = steps.slice(-3);
  return el('ol', { class: 'timeline' }, head.map(item),
    el('li', { class: 'folded' }, el('details', {}, el('summary', { text: `${middle.length} more` }),
      el('ol', { class: 'timeline' }, middle.map(item)))),
    tail.map(item));
}

function incidentCard(i) {
  const open = !i.resolved_at_ms;
  return el('li', { class: `incident ${open ? 'open' : 'resolved'}`, 'data-kind': i.kind, 'data-subject': i.subject, 'data-id': String(i.id) },
    el('header', {},
      el('span', { class: 'kind', text: i.kind }),
      el('b', { text: i.subject }),
      el('span', { class: `badge ${open ? 'bad' : 'ok'}`, text: open ? 'open' : 'resolved' }),
      el('span', { class: 'muted', text: `#${i.id} · ${new Date(i.opened_at_ms).toLocaleString()}` }),
      el('span', { text: `detect ${duration(i.time_to_detect_ms)}` }),
      el('span', { text: `recover ${open ? '–' : duration(i.time_to_recover_ms)}` })),
    el('dl', { class: 'star' },
      el('dt', { text: 'Situation' }), el('dd', { text: i.situation }),
      el('dt', { text: 'Task' }), el('dd', { text: i.task }),
      el('dt', { text: 'Action' }), el('dd', {}, timeline(i)),
      el('dt', { text: 'Result' }), el('dd', { text: i.result || (open ? 'still open' : '') })));
}

function fillSelect(select, values, current) {
  const options = [el('option', { value: '', text: 'all' })];
  for (const v of values) options.push(el('option', { value: v, text: v, selected: v === current }));
  select.replaceChildren(...options);
}

async function loadIncidents() {
  const q = new URLSearchParams();
  if (state.incidentFilter.kind) q.set('kind', state.incidentFilter.kind);
  if (state.incidentFilter.subject) q.set('subject', state.incidentFilter.subject);
  const r = await api(`/api/v1/incidents?${q}`);
  // Rebuilding unchanged cards costs a full layout and repaint: skip it.
  const signature = JSON.stringify(r);
  if (signature === state.incidentsSignature) return;
  state.incidentsSignature = signature;
  fillSelect(document.getElementById('kind-filter'), r.kinds, state.incidentFilter.kind);
  fillSelect(document.getElementById('subject-filter'), r.subjects, state.incidentFilter.subject);
  document.getElementById('incident-count').textContent = `${r.incidents.length} shown of ${r.total}; ${r.open} open`;
  const badge = document.getElementById('open-incidents');
  badge.textContent = `${r.open} open incident${r.open === 1 ? '' : 's'}`;
  badge.className = `badge ${r.open ? 'bad' : 'ok'}`;
  const list = document.getElementById('incident-list');
  list.replaceChildren(...(r.incidents.length ? r.incidents.map(incidentCard) : [el('li', { class: 'muted', text: 'no incidents' })]));
}

// --- findings, releases, backups, rules --------------------------------------------------------------
async function loadFindings() {
  const r = await api('/api/v1/findings');
  document.getElementById('findings-at').textContent = r.at ? `as of ${new Date(r.at_ms).toLocaleTimeString()}` : 'collecting…';
  const body = document.getElementById('findings-body');
  if (r.error) { body.replaceChildren(el('p', { class: 'problem', text: r.error })); return; }
  if (!r.at_ms) return;
  if (!r.scenarios.length) { body.replaceChildren(el('p', { text: 'no findings' })); return; }
  // One row per rule and scenario (a host with forty unlimited containers has one problem, forty times).
  body.replaceChildren(...r.scenarios.map((s) => {
    const byRule = new Map();
    for (const f of s.findings) {
      if (!byRule.has(f.rule)) byRule.set(f.rule, []);
      byRule.get(f.rule).push(f);
    }
    return el('details', { open: s.findings.length <= 12, 'data-scenario': String(s.scenario) },
      el('summary', { text: `Scenario ${s.scenario} · ${s.name}: ${s.findings.length} finding${s.findings.length === 1 ? '' : 's'}` }),
      el('table', {}, el('tbody', {}, [...byRule.values()].map((list) => {
        const f = list[0];
        const objects = list.map((x) => x.object_name);
        const shown = objects.slice(0, 6).join(', ') + (objects.length > 6 ? ` and ${objects.length - 6} more` : '');
        return el('tr', { 'data-rule': f.rule },
          el('td', { class: `sev-${f.severity}`, text: f.severity }),
          el('td', {}, el('a', { href: `#rule-${f.rule}`, title: f.summary, text: f.rule,
                                 onclick: () => { document.getElementById('rules-details').open = true; } })),
          el('td', { text: `${f.summary}${list.length > 1 ? ` (${list.length})` : ''}` }),
          el('td', { title: objects.join('\n') }, el('span', { class: 'muted', text: `${f.object_kind}: ` }), shown),
          el('td', { class: 'muted', text: list.length === 1 ? f.message : '' }));
      }))));
  }));
}

async function loadReleases() {
  const r = await api('/api/v1/releases');
  const body = document.getElementById('releases-body');
  if (!r.services.length) return;
  body.replaceChildren(...r.services.map((s) => el('div', { 'data-service': s.name },
    el('h3', { text: `${s.name} ${s.listen ? `on ${s.listen}` : ''}` }),
    el('p', { class: 'muted', text: s.current ? `serving release ${s.current.id}: ${s.current.image}` : 'no promoted release' }),
    el('table', {},
      el('thead', {}, el('tr', {}, ['Release', 'Outcome', 'Image', 'Started', 'Detect', 'Rollback', 'Reason'].map((h) => el('th', { text: h })))),
      el('tbody', {}, s.releases.map((x) => el('tr', {},
        el('td', { text: String(x.id) }),
        el('td', { class: `outcome-${x.outcome}`, text: x.outcome + (x.rollback_of ? ` (rollback to ${x.rollback_of})` : '') }),
        el('td', { text: x.image }),
        el('td', { text: new Date(x.started_at_ms).toLocaleString() }),
        el('td', { class: 'num', text: duration(x.time_to_detect_ms) }),
        el('td', { class: 'num', text: duration(x.time_to_rollback_ms) }),
        el('td', { text: x.reason }))))))));
}

async function loadBackups() {
  const r = await api('/api/v1/backups');
  const body = document.getElementById('backups-body');
  if (r.error) { body.replaceChildren(el('p', { class: 'problem', text: r.error })); return; }
  if (!r.volumes.length) return;
  body.replaceChildren(el('table', {},
    el('thead', {}, el('tr', {}, ['Volume', 'Backups', 'Newest', 'Age', 'Size', 'Consistency', 'Last verified restore'].map((h) => el('th', { text: h })))),
    el('tbody', {}, r.volumes.map((v) => {
      const t = v.last_restore_test;
      return el('tr', { 'data-volume': v.volume },
        el('td', { text: v.volume }),
        el('td', { class: 'num', text: String(v.count) }),
        el('td', { text: v.newest.created }),
        el('td', { class: 'num', text: duration(v.age_s * 1000) }),
        el('td', { class: 'num', text: bytes(v.newest.data_bytes) }),
        el('td', { text: v.newest.consistency }),
        el('td', { class: t ? (t.ok ? 'outcome-promoted' : 'outcome-failed') : 'muted',
                   text: t ? `${t.ok ? 'ok' : 'FAILED'} ${t.at}${t.ok ? '' : `: ${t.detail}`}` : 'never' }));
    }))));
}

async function loadRules() {
  const rules = await api('/api/v1/rules');
  document.getElementById('rules-list').replaceChildren(...rules.flatMap((r) => [
    el('dt', { id: `rule-${r.id}`, text: `${r.id} ${r.name} (${r.severity})` }),
    el('dd', {}, el('p', { text: r.summary }), el('p', { class: 'muted', text: r.rationale }), el('p', { text: `Fix: ${r.fix}` }))]));
}

async function loadStatus() {
  const s = await api('/api/v1/status');
  // Unchanged text is not set again: every DOM write costs a style pass and a repaint.
  setText(document.getElementById('host-line'), `${s.hostname} · ${s.engine} · shipshape ${s.version}`);
  const d = document.getElementById('daemon-state');
  setText(d, s.daemon_up ? 'engine up' : 'engine DOWN');
  d.className = `badge ${s.daemon_up ? 'ok' : 'bad'}`;
}

// --- wiring -----------------------------------------------------------------------------------------
function guarded(name, fn) {
  return async (...args) => {
    try { await fn(...args); } catch (e) { if (e.message !== 'not signed in') showProblem(`${name}: ${e.message}`); }
  };
}

let incidentsTimer = 0;
function incidentsChanged() {
  // Several incidents often change in one second: one reload for all of them.
  clearTimeout(incidentsTimer);
  incidentsTimer = setTimeout(guarded('incidents', loadIncidents), 200);
}

function connect() {
  const live = document.getElementById('live-state');
  const source = new EventSource('/api/v1/events');
  source.addEventListener('open', () => { live.textContent = '● live'; showProblem(''); });
  source.addEventListener('error', () => { live.textContent = '○ reconnecting'; });
  source.addEventListener('sample', (e) => { try { onSample(e); } catch (err) { showProblem(`sample: ${err.message}`); } });
  source.addEventListener('incidents', incidentsChanged);
}

document.getElementById('kind-filter').addEventListener('change', (e) => { state.incidentFilter.kind = e.target.value; incidentsChanged(); });
document.getElementById('subject-filter').addEventListener('change', (e) => { state.incidentFilter.subject = e.target.value; incidentsChanged(); });

Promise.all([guarded('status', loadStatus)(), guarded('host', loadHost)(), guarded('incidents', loadIncidents)(),
             guarded('findings', loadFindings)(), guarded('releases', loadReleases)(), guarded('backups', loadBackups)(),
             guarded('rules', loadRules)()]).then(connect);
// The slower sources change slowly: the audit and the backups once a minute, status and releases every 10 s.
setInterval(guarded('findings', loadFindings), 60000);
setInterval(guarded('backups', loadBackups), 60000);
setInterval(guarded('status', loadStatus), 10000);
setInterval(guarded('releases', loadReleases), 10000);
