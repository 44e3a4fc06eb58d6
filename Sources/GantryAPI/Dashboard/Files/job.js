// A job's page: its state, loss and score curves, digit grids decoded from the
// API's PGM bytes, the per-epoch grids under a slider and the class histogram.
// It follows a running job with one GET of the job every two seconds and a
// long-poll for new epochs (losses?since=N&wait=S), not a request per chart.

import { h, s, num, age, sleep, isAbort, FINISHED } from './dom.js';
import { Chart } from './chart.js';
import { decodePGM, drawPGM } from './pgm.js';

const JOB_POLL_MS = 2000;
const LONG_POLL_SECONDS = 25;
/** New epochs redraw the latest digits at most this often: sampling costs the daemon a product. */
const GRID_REFRESH_MS = 2500;
const GRID = 'count=64&columns=8';
// A conditional job draws a row of each digit, 0 to 9, 8 of each.
const DIGIT_ROWS = 'digits=all&columns=8';

export function jobView({ api, main, signal, id, confirm, navigate, notify, problem }) {
  const base = `/v1/jobs/${encodeURIComponent(id)}`;
  let job = null, records = [], seed = 7;

  // The job's state.
  const badge = h('span', { class: 'badge', id: 'job-status' });
  const phase = h('span', { id: 'job-phase' });
  const bar = h('progress', { max: 1, value: 0, id: 'job-progress', 'aria-label': 'epochs completed' });
  const epochText = h('span', { class: 'number' });
  const facts = h('dl', { class: 'facts' });
  const cancelButton = h('button', { type: 'button', 'data-action': 'cancel', onclick: cancel }, 'Cancel job');
  const deleteButton = h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: remove }, 'Delete job');
  const latestCheckpoint = h('button', { type: 'button', onclick: () => save(`${base}/checkpoint`, `${id}.gantry`) }, 'Checkpoint, latest epoch');
  const bestCheckpoint = h('button', { type: 'button', onclick: () => save(`${base}/checkpoint?epoch=best`, `${id}-best.gantry`) }, 'Checkpoint, best epoch');
  const lossesFile = h('button', { type: 'button', onclick: () => save(`${base}/losses?since=0`, `${id}-losses.json`) }, 'Losses (JSON)');
  const alerts = h('div', { class: 'alerts', 'aria-live': 'polite' });

  // Curves.
  const lossChart = new Chart({
    id: 'loss-chart', title: 'Losses per epoch', description: 'Mean discriminator and generator losses of each epoch.',
    series: [
      { key: 'd_loss', name: 'D', className: 's-d', on: true }, { key: 'g_loss', name: 'G', className: 's-g', on: true },
      { key: 'd_loss_real', name: 'D on real', className: 's-dr', on: false }, { key: 'd_loss_fake', name: 'D on fake', className: 's-df', on: false },
    ],
  });
  const fdChart = new Chart({
    id: 'fd-chart', title: 'Fréchet distance (lower is better)', description: 'The fd of each scored epoch, the best epoch marked.',
    series: [{ key: 'fd', name: 'fd', className: 's-fd', on: true }],
  });
  const isChart = new Chart({
    id: 'is-chart', title: 'Inception score (higher is better)', description: 'The inception score of each scored epoch, the best-fd epoch marked.',
    series: [{ key: 'inception_score', name: 'inception score', className: 's-is', on: true }],
  });

  // Digits.
  const latestCanvas = h('canvas', { id: 'latest-digits', class: 'digits', role: 'img', 'aria-label': 'digits from the latest epoch' });
  const latestCaption = h('figcaption', {}, 'No epoch yet.');
  const bestCanvas = h('canvas', { id: 'best-digits', class: 'digits', role: 'img', 'aria-label': 'digits from the best epoch' });
  const bestCaption = h('figcaption', {}, 'No scored epoch yet.');
  const newDigits = h('button', { type: 'button', id: 'new-digits', disabled: true, onclick: () => { seed = 1 + Math.floor(Math.random() * 2 ** 31); drawLatest(); drawBest(); } }, 'New digits');
  const slider = h('input', { type: 'range', id: 'epoch-slider', min: 1, max: 1, value: 1, step: 1, disabled: true, 'aria-describedby': 'epoch-slider-value' });
  const sliderValue = h('output', { id: 'epoch-slider-value', for: 'epoch-slider' }, 'No epoch yet');
  const epochCanvas = h('canvas', { id: 'epoch-digits', class: 'digits', role: 'img', 'aria-label': 'the fixed-noise digits recorded at the chosen epoch' });
  const histogram = h('div', { id: 'class-histogram' }, h('p', { class: 'empty' }, 'No scored epoch yet.'));

  main.append(
    h('section', { class: 'job-head', 'aria-labelledby': 'job-title' },
      h('p', {}, h('a', { href: '#/' }, '← All jobs')),
      h('h2', { id: 'job-title' }, 'Job ', h('code', {}, id), ' ', badge),
      h('div', { class: 'progress-line' }, bar, epochText, phase),
      facts,
      h('div', { class: 'buttons' }, cancelButton, deleteButton),
      h('div', { class: 'buttons downloads', role: 'group', 'aria-label': 'downloads' }, latestCheckpoint, bestCheckpoint, lossesFile),
      alerts),
    // Wide windows show the digits beside the curves; narrow ones (and 200% zoom) one under the other.
    h('div', { class: 'job-body' }, h('div', {},
      h('section', { class: 'curves', 'aria-label': 'curves' }, lossChart.element, h('div', { class: 'pair' }, fdChart.element, isChart.element)),
      h('section', { class: 'classes', 'aria-labelledby': 'classes-title' },
        h('h2', { id: 'classes-title' }, 'Classes of the last scoring'), histogram)),
    h('section', { class: 'grids', 'aria-labelledby': 'digits-title' },
      h('h2', { id: 'digits-title' }, 'Digits'),
      h('div', { class: 'pair' },
        h('figure', { class: 'grid' }, h('h3', {}, 'Latest epoch'), latestCanvas, latestCaption, newDigits),
        h('figure', { class: 'grid' }, h('h3', {}, 'Best epoch'), bestCanvas, bestCaption)),
      h('figure', { class: 'grid steps' },
        h('h3', {}, h('label', { for: 'epoch-slider' }, 'The same noise at each epoch')),
        h('div', { class: 'slider-line' }, slider, sliderValue), epochCanvas))));

  /** Loads a PGM grid into `canvas`; of overlapping loads, only the newest one draws. */
  function gridLoader(canvas, scale) {
    let newest = 0;
    return async (path) => {
      const mine = ++newest;
      const { bytes, headers } = await api.bytes(path, { signal });
      if (mine !== newest) return null;
      drawPGM(canvas, decodePGM(bytes), scale);
      return headers;
    };
  }
  const loadLatest = gridLoader(latestCanvas, 2), loadBest = gridLoader(bestCanvas, 2), loadEpoch = gridLoader(epochCanvas, 3);

  function report(caption, error) {
    if (!isAbort(error)) caption.textContent = `Could not load these digits: ${error.message}`;
  }

  async function drawLatest() {
    if (!job || job.progress.epoch < 1) return;
    const asked = seed;
    try {
      const conditional = job.config.conditional === true;
      const headers = await loadLatest(`${base}/samples?${conditional ? DIGIT_ROWS : GRID}&seed=${asked}`);
      if (!headers) return;
      latestCanvas.dataset.epoch = headers.get('Gantry-Epoch');
      latestCanvas.dataset.seed = String(asked);
      latestCaption.textContent = conditional
        ? `A row of each digit, 0 to 9, from epoch ${headers.get('Gantry-Epoch')}'s generator, noise seed ${asked}.`
        : `64 new digits from epoch ${headers.get('Gantry-Epoch')}'s generator, noise seed ${asked}.`;
    } catch (error) { report(latestCaption, error); }
  }

  async function drawBest() {
    const best = job?.quality?.best_epoch;
    if (!best) return;
    const asked = seed;
    try {
      const headers = await loadBest(`${base}/samples?${job.config.conditional === true ? DIGIT_ROWS : GRID}&seed=${asked}&epoch=best`);
      if (!headers) return;
      bestCanvas.dataset.epoch = headers.get('Gantry-Epoch');
      bestCaption.textContent = `Epoch ${headers.get('Gantry-Epoch')}, the lowest fd (${num(job.quality.best_fd)}), noise seed ${asked}.`;
    } catch (error) { report(bestCaption, error); }
  }

  let sliderTimer = null;
  async function drawEpoch() {
    const epoch = Number(slider.value);
    sliderValue.textContent = `epoch ${epoch} of ${slider.max}`;
    try {
      const headers = await loadEpoch(`${base}/epochs/${epoch}/samples`);
      if (headers) epochCanvas.dataset.epoch = String(epoch);
    } catch (error) { if (!isAbort(error)) sliderValue.textContent = `epoch ${epoch}: ${error.message}`; }
  }
  slider.addEventListener('input', () => {
    // Dragging fires many inputs: ask for the grid once the hand rests.
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(drawEpoch, 80);
  });

  // At most one latest-digits redraw per GRID_REFRESH_MS, and one at the end of a burst.
  let lastGridDraw = 0, gridTimer = null;
  function gridsChanged() {
    const wait = lastGridDraw + GRID_REFRESH_MS - Date.now();
    if (gridTimer) return;
    gridTimer = setTimeout(() => { gridTimer = null; lastGridDraw = Date.now(); drawLatest(); }, Math.max(0, wait));
  }

  function renderJob(previous) {
    const p = job.progress, finished = FINISHED.has(job.status);
    badge.textContent = job.status;
    badge.className = `badge status-${job.status}`;
    bar.max = p.epochs;
    bar.value = p.epoch;
    epochText.textContent = `epoch ${p.epoch} of ${p.epochs}`;
    const fraction = p.phase_fraction;
    phase.textContent = finished ? '' : `${p.phase.replaceAll('_', ' ')}${fraction !== null && fraction !== undefined ? ` ${Math.round(fraction * 100)}%` : ''}`;
    const c = job.config;
    const fact = (name, value) => h('div', {}, h('dt', {}, name), h('dd', {}, value));
    facts.replaceChildren(...[
      fact('dataset', c.dataset), fact('model', `${c.model ?? 'notebook'}${c.conditional ? ', conditional' : ''}`),
      fact('seed', String(c.seed)), fact('batch size', String(c.batch_size)),
      c.model === 'dcgan' ? fact('channels (G / D)', `${c.g_channels} / ${c.d_channels}`) : fact('hidden units (G / D)', `${c.g_hidden} / ${c.d_hidden}`), fact('learning rate', String(c.learning_rate)),
      fact('scored every', p.eval_every ? `${p.eval_every} epochs` : (c.eval_every === 0 ? 'never' : String(c.eval_every))),
      fact('images per second', p.images_per_second ? Math.round(p.images_per_second).toLocaleString('en') : '–'),
      ...(c.d_augment ? [fact('D augmentation', c.d_augment.replaceAll(',', ', '))] : []),
      fact('created', `${age(job.created_at)}`), fact('finished', job.finished_at ? age(job.finished_at) : '–'),
      fact('best fd', job.quality?.best_epoch ? `${num(job.quality.best_fd)} at epoch ${job.quality.best_epoch}` : '–'),
      ...(c.conditional ? [fact('digits drawn as asked', typeof job.quality?.conditional_accuracy === 'number'
        ? `${(job.quality.conditional_accuracy * 100).toFixed(1)}%` : '–')] : []),
    ]);
    cancelButton.hidden = finished;
    deleteButton.hidden = !finished;
    latestCheckpoint.disabled = p.epoch < 1;
    bestCheckpoint.disabled = !job.quality?.best_epoch;
    newDigits.disabled = p.epoch < 1;
    alerts.replaceChildren(
      ...(job.error ? [h('p', { class: 'error', role: 'alert' }, job.error)] : []),
      // The mode-collapse warning is shown beside the class histogram it is about.
      ...job.warnings.filter((warning) => warning.code !== 'mode_collapse')
        .map((warning) => h('p', { class: 'warning', 'data-warning': warning.code }, warning.message)));

    if (c.eval_every === 0) {
      const off = 'Scoring is off for this job (eval_every 0).';
      fdChart.emptyText = isChart.emptyText = off;
      bestCaption.textContent = off;
      histogram.replaceChildren(h('p', { class: 'empty' }, off));
    }
    const q = job.quality;
    const marker = q?.best_epoch ? { epoch: q.best_epoch, label: `best ${q.best_epoch}` } : null;
    if (JSON.stringify(marker) !== JSON.stringify(previous?.marker)) { fdChart.setMarker(marker); isChart.setMarker(marker); }
    fdChart.setReferences(q?.real_fd ? [{ value: q.real_fd, label: `real digits ${num(q.real_fd)}` }] : []);
    isChart.setReferences(q?.real_inception_score ? [{ value: q.real_inception_score, label: `real digits ${num(q.real_inception_score)}` }] : []);

    // The slider follows the newest epoch until the reader moves it.
    const following = slider.disabled || Number(slider.value) === Number(slider.max);
    if (p.epoch >= 1 && Number(slider.max) !== p.epoch) {
      slider.max = p.epoch;
      slider.disabled = false;
      if (following) { slider.value = p.epoch; drawEpoch(); } else sliderValue.textContent = `epoch ${slider.value} of ${slider.max}`;
    }
    if (p.epoch !== previous?.epoch) gridsChanged();
    if (q?.best_epoch && q.best_epoch !== previous?.best) drawBest();
    return { marker, epoch: p.epoch, best: q?.best_epoch };
  }

  function renderHistogram() {
    const last = records.findLast((r) => Array.isArray(r.class_counts));
    if (!last) return;
    const counts = last.class_counts, total = counts.reduce((a, b) => a + b, 0), top = Math.max(1, ...counts);
    const width = 420, height = 190, barWidth = 32, gap = 10, left = 14, bottom = 24, plot = height - bottom - 20;
    const svg = s('svg', {
      viewBox: `0 0 ${width} ${height}`, class: 'histogram', role: 'img',
      'aria-label': `Samples per class at epoch ${last.epoch}: ` + counts.map((n, digit) => `${digit}: ${n}`).join(', '),
    });
    counts.forEach((n, digit) => {
      const x = left + digit * (barWidth + gap), barHeight = (n / top) * plot, y = height - bottom - barHeight;
      const share = total ? n / total : 0;
      svg.append(s('rect', { x, y, width: barWidth, height: Math.max(0.5, barHeight), class: share > 0.4 ? 'bar over' : 'bar' }),
        s('text', { x: x + barWidth / 2, y: y - 4, 'text-anchor': 'middle', class: 'count' }, `${Math.round(share * 100)}%`),
        s('text', { x: x + barWidth / 2, y: height - 6, 'text-anchor': 'middle' }, String(digit)));
    });
    const collapse = job?.warnings.find((warning) => warning.code === 'mode_collapse');
    histogram.replaceChildren(svg,
      h('p', {}, `Epoch ${last.epoch}: ${total} digits classified; ${num((last.confident_share ?? 0) * 100, 3)}% with confidence of 90% or more.`),
      collapse ? h('p', { class: 'warning', id: 'mode-collapse' }, `Mode collapse: ${collapse.message}`) : '');
  }

  function recordsChanged() {
    // The long-poll hears of an epoch before the next GET of the job does.
    const newest = records[records.length - 1].epoch;
    if (job && newest > job.progress.epoch) {
      bar.value = newest;
      epochText.textContent = `epoch ${newest} of ${job.progress.epochs}`;
    }
    lossChart.setRecords(records);
    fdChart.setRecords(records);
    isChart.setRecords(records);
    renderHistogram();
  }

  async function cancel() {
    if (!(await confirm(`Cancel job ${id}? It stops at the next step and keeps what it has learned.`, 'Cancel job'))) return;
    try {
      job = await api.json(`${base}/cancel`, { method: 'POST' });
      notify(`Job ${id} cancelled.`);
      renderJob(null);
    } catch (error) { notify(error.message, true); }
  }

  async function remove() {
    if (!(await confirm(`Delete job ${id} with its checkpoints, samples and losses? This cannot be undone.`, 'Delete job'))) return;
    try {
      await api.fetch(base, { method: 'DELETE' });
      notify(`Job ${id} deleted.`);
      navigate('#/');
    } catch (error) { notify(error.message, true); }
  }

  async function save(path, name) {
    try { await api.download(path, name); } catch (error) { notify(`Download failed: ${error.message}`, true); }
  }

  async function followJob() {
    let previous = null;
    while (!signal.aborted) {
      try {
        job = await api.json(base, { signal });
        previous = renderJob(previous);
        renderHistogram();
        problem(null);
        if (FINISHED.has(job.status)) return;
      } catch (error) {
        if (isAbort(error)) return;
        problem(error.status === 404 ? `There is no job ${id}.` : `Cannot read the job: ${error.message}`);
        if (error.status === 404) return;
      }
      try { await sleep(JOB_POLL_MS, signal); } catch { return; }
    }
  }

  async function followLosses() {
    let since = 0, first = true;
    while (!signal.aborted) {
      try {
        const finished = job && FINISHED.has(job.status);
        const wait = first || finished ? '' : `&wait=${LONG_POLL_SECONDS}`;
        const body = await api.json(`${base}/losses?since=${since}${wait}`, { signal });
        first = false;
        if (body.epochs.length > 0) {
          records = records.concat(body.epochs);
          since = records[records.length - 1].epoch;
          recordsChanged();
        } else if (FINISHED.has(body.status)) {
          return;
        }
      } catch (error) {
        if (isAbort(error) || error.status === 404) return;
        problem(`Cannot read the losses: ${error.message}`);
        try { await sleep(JOB_POLL_MS, signal); } catch { return; }
      }
    }
  }

  followJob();
  followLosses();
}
