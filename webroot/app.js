// ws-echo test page. No framework, no build step, nothing from outside webroot/.
// Every message is written with textContent, never innerHTML: what a peer sends is never markup.
(() => {
  'use strict';

  const MAX_DOM_ENTRIES = 500;    // older entries leave the DOM; the counters keep counting
  const CHART_POINTS = 200;
  const MAX_RECONNECT_DELAY_MS = 5000;
  const HEX_PREVIEW_BYTES = 32;

  const $ = (id) => document.getElementById(id);
  const statusEl = $('status'), urlEl = $('url'), inputEl = $('input'), output = $('output');
  const encoder = new TextEncoder();

  let socket = null;
  let wanted = true;              // false after the user pressed Disconnect: no automatic reconnect
  let reconnectDelay = 500, reconnectTimer = null;
  let pending = [];               // what was sent and not echoed yet, in order: echoes come back in order
  const counts = { sent: 0, sentBytes: 0, echoed: 0, echoedBytes: 0, mismatches: 0, entries: 0 };
  const rtts = [];                // every round trip of the session, ms
  let burst = null;
  let queued = [];                // log entries waiting for the next animation frame
  let dirty = false;

  // ---- endpoint -------------------------------------------------------------------------------

  // The WebSocket is found from where this page was loaded: behind a proxy that mounts the service
  // under a prefix (and strips it), the page's path ends with its own path, and what comes before
  // that is the prefix the WebSocket needs too.
  function defaultUrl(config) {
    const pagePath = config.pagePath || '/ws/echo_display';
    const wsPath = config.webSocketPath || '/ws/echo';
    const here = location.pathname;
    const prefix = here.endsWith(pagePath) ? here.slice(0, here.length - pagePath.length) : '';
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + prefix + wsPath;
  }

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (socket) { socket.onclose = null; socket.close(1000, 'reconnecting'); }
    let ws;
    try {
      ws = new WebSocket(urlEl.value);
    } catch (e) {
      setStatus('Disconnected (bad URL)', 'disconnected');
      event('cannot connect: ' + e.message, true);
      return;
    }
    socket = ws;
    ws.binaryType = 'arraybuffer';
    pending = [];
    setStatus('Connecting', 'connecting');
    $('reconnect-note').textContent = '';
    ws.onopen = () => {
      reconnectDelay = 500;
      setStatus('Connected', 'connected');
      showServer();
      event('connected to ' + ws.url + (ws.extensions ? ' (' + ws.extensions + ')' : ''));
    };
    ws.onmessage = (e) => received(e.data);
    ws.onclose = (e) => {
      if (socket !== ws) return;
      socket = null;
      const why = 'code ' + e.code + (e.reason ? ' ' + e.reason : '');
      setStatus('Disconnected (' + why + ')', 'disconnected');
      event('closed: ' + why + (pending.length ? ', ' + pending.length + ' messages not echoed' : ''), e.code !== 1000);
      if (wanted) scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    const delay = reconnectDelay;
    reconnectDelay = Math.min(reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
    $('reconnect-note').textContent = 'reconnecting in ' + (delay / 1000).toFixed(1) + ' s';
    reconnectTimer = setTimeout(connect, delay);
  }

  $('url-form').addEventListener('submit', (e) => { e.preventDefault(); wanted = true; reconnectDelay = 500; connect(); });
  $('disconnect').addEventListener('click', () => {
    wanted = false;
    clearTimeout(reconnectTimer);
    $('reconnect-note').textContent = '';
    if (socket) socket.close(1000, 'closed from the page');
  });

  // ---- sending --------------------------------------------------------------------------------

  function send(data) {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      event('not connected: nothing sent', true);
      return false;
    }
    const size = typeof data === 'string' ? encoder.encode(data).length : data.byteLength;
    pending.push({ data, size, at: performance.now() });
    socket.send(data);
    counts.sent++;
    counts.sentBytes += size;
    return size;
  }

  $('text-form').addEventListener('submit', (e) => {
    e.preventDefault();  // the Send button and Enter in #input both land here
    const text = inputEl.value;
    const size = send(text);
    if (size !== false) { log('sent', size, text); inputEl.value = ''; }
  });

  function sendBinary(bytes, label) {
    const size = send(bytes);
    if (size !== false) log('sent', size, binaryText(bytes) + (label ? ' ' + label : ''));
  }

  $('send-random').addEventListener('click', () => {
    const n = Math.max(0, Math.min(64 * 1024 * 1024, Number($('random-size').value) | 0));
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65536)));
    sendBinary(bytes, '(random)');
  });

  $('send-file').addEventListener('click', () => {
    const file = $('file').files[0];
    if (!file) { event('choose a file first', true); return; }
    file.arrayBuffer().then((buffer) => sendBinary(new Uint8Array(buffer), '(' + file.name + ')'));
  });

  $('burst').addEventListener('click', () => {
    const n = Math.max(1, Math.min(100000, Number($('burst-count').value) | 0));
    if (!socket || socket.readyState !== WebSocket.OPEN) { event('not connected: no burst', true); return; }
    burst = { total: n, left: n, started: performance.now() };
    $('burst-result').textContent = 'sending ' + n + '...';
    for (let i = 1; i <= n; i++) {
      const text = 'burst ' + i + '/' + n;
      log('sent', send(text), text);
    }
  });

  // ---- receiving ------------------------------------------------------------------------------

  function received(data) {
    const now = performance.now();
    const sent = pending.shift();
    const isText = typeof data === 'string';
    const size = isText ? encoder.encode(data).length : data.byteLength;
    counts.echoed++;
    counts.echoedBytes += size;
    const body = isText ? data : binaryText(new Uint8Array(data));
    if (!sent) {
      log('echoed', size, body + ' (nothing was waiting for an echo)', true);
    } else {
      const rtt = now - sent.at;
      rtts.push(rtt);
      if (rtts.length > 100000) rtts.splice(0, rtts.length - 100000);
      const matches = isText ? sent.data === data
        : typeof sent.data !== 'string' && sameBytes(sent.data, new Uint8Array(data));
      if (!matches) counts.mismatches++;
      const verdict = matches ? (isText ? '' : 'matches what was sent, ') : 'MISMATCH with what was sent, ';
      log('echoed', size, body + ' (' + verdict + rtt.toFixed(1) + ' ms)', !matches);
    }
    if (burst && --burst.left === 0) {
      const ms = performance.now() - burst.started;
      $('burst-result').textContent = burst.total + ' echoed in ' + ms.toFixed(0) + ' ms (' +
        Math.round(burst.total / (ms / 1000)) + ' msg/s)';
      burst = null;
    }
    dirty = true;
  }

  function sameBytes(a, b) {
    if (a.byteLength !== b.byteLength) return false;
    for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function binaryText(bytes) {
    let hex = '';
    for (let i = 0; i < Math.min(HEX_PREVIEW_BYTES, bytes.byteLength); i++) hex += bytes[i].toString(16).padStart(2, '0');
    return '[binary ' + bytes.byteLength + ' bytes] ' + hex + (bytes.byteLength > HEX_PREVIEW_BYTES ? '...' : '');
  }

  // ---- log ------------------------------------------------------------------------------------

  function event(text, bad) { log('event', null, text, bad); }

  function log(direction, size, text, bad) {
    counts.entries++;
    queued.push({ time: new Date(), direction, size, text, bad });
    if (queued.length > MAX_DOM_ENTRIES) queued.splice(0, queued.length - MAX_DOM_ENTRIES);
    dirty = true;
  }

  function entryElement(e) {
    const row = document.createElement('div');
    row.className = 'entry ' + e.direction + (e.bad ? ' bad' : '');
    const cells = [
      ['time', e.time.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(e.time.getMilliseconds()).padStart(3, '0')],
      ['dir', e.direction],
      ['size', e.size === null ? '' : formatBytes(e.size)],
      ['text', e.text],
    ];
    for (const [cls, value] of cells) {
      const cell = document.createElement('span');
      cell.className = cls;
      cell.textContent = value;
      row.appendChild(cell);
    }
    return row;
  }

  function flushLog() {
    if (!queued.length) return;
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 24;
    const fragment = document.createDocumentFragment();
    for (const e of queued) fragment.appendChild(entryElement(e));
    queued = [];
    output.appendChild(fragment);
    let excess = output.childElementCount - MAX_DOM_ENTRIES;
    while (excess-- > 0) output.firstElementChild.remove();
    if (atBottom) output.scrollTop = output.scrollHeight;  // follow, unless the user scrolled up
    $('log-count').textContent = counts.entries + ' entries' +
      (counts.entries > output.childElementCount ? ' (last ' + output.childElementCount + ' shown)' : '');
  }

  $('clear').addEventListener('click', () => {
    output.replaceChildren();
    queued = [];
    counts.entries = 0;
    $('log-count').textContent = '0 entries';
  });

  // ---- statistics and chart -------------------------------------------------------------------

  function formatBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }

  function ms(v) { return v === undefined ? '-' : v.toFixed(1) + ' ms'; }

  function updateStats() {
    $('sent-count').textContent = counts.sent;
    $('sent-bytes').textContent = formatBytes(counts.sentBytes);
    $('echoed-count').textContent = counts.echoed;
    $('echoed-bytes').textContent = formatBytes(counts.echoedBytes);
    $('mismatches').textContent = counts.mismatches;
    if (!rtts.length) return;
    const sorted = Float64Array.from(rtts).sort();
    $('rtt-last').textContent = ms(rtts[rtts.length - 1]);
    $('rtt-min').textContent = ms(sorted[0]);
    $('rtt-median').textContent = ms(sorted[Math.floor((sorted.length - 1) / 2)]);
    $('rtt-p99').textContent = ms(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]);
  }

  function drawChart() {
    const canvas = $('rtt-chart');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth * ratio, height = canvas.clientHeight * ratio;
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, width, height);
    const points = rtts.slice(-CHART_POINTS);
    if (points.length < 2) return;
    const max = Math.max(...points) || 1;
    g.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue('--chart').trim() || '#0969da';
    g.lineWidth = 1.5 * ratio;
    g.beginPath();
    points.forEach((v, i) => {
      const x = (i / (CHART_POINTS - 1)) * width;
      const y = height - 4 * ratio - (v / max) * (height - 8 * ratio);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
    g.fillStyle = g.strokeStyle;
    g.font = (11 * ratio) + 'px system-ui, sans-serif';
    g.fillText('max ' + max.toFixed(1) + ' ms', 4 * ratio, 12 * ratio);
  }

  function frame() {
    if (dirty) {
      dirty = false;
      flushLog();
      updateStats();
      drawChart();
    }
    requestAnimationFrame(frame);
  }

  // ---- which server ---------------------------------------------------------------------------

  // Which replica answered, and the headers as they reached it through any proxy: from the server's
  // info, under this page's own path (reachable wherever the page is). Nothing when it is turned off.
  function showServer() {
    fetch('echo_display/info', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then((info) => {
        if (!info) return;
        $('served-by').textContent = 'served by ' + info.host + ', instance ' + info.instance + ', engine ' + info.engine;
        $('request-headers').textContent = (info.request.headers || []).map((h) => h[0] + ': ' + h[1]).join('\n')
          + '\n\nclient ' + info.client.address + (info.client.forwarded ? ' (forwarded by ' + info.client.peer + ')' : '');
      });
  }

  // ---- start ----------------------------------------------------------------------------------

  // The WebSocket path comes from the server's configuration (relative URL: under any prefix), the
  // host and the prefix from where this page came.
  fetch('echo_display/config', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}))
    .then((config) => {
      urlEl.value = defaultUrl(config);
      connect();
    });
  requestAnimationFrame(frame);
})();
