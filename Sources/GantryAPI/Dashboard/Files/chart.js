// Line charts of per-epoch records, drawn as SVG by this page. A series of 10,000
// epochs is cut to at most two points per pixel column (the column's lowest and
// highest), so drawing stays fast and no spike disappears.

import { h, s, num } from './dom.js';

const MARGIN = { left: 58, right: 18, top: 14, bottom: 34 };
const HEIGHT = 250;

/** At most two points per pixel column, the column's lowest and highest, in epoch order. */
export function downsample(points, x0, x1, columns) {
  if (points.length <= 2 * columns) return points;
  const out = [];
  let bucket = -1, low = null, high = null;
  const flush = () => {
    if (!low) return;
    if (low === high) out.push(low);
    else if (low.x <= high.x) out.push(low, high);
    else out.push(high, low);
  };
  const span = x1 - x0 || 1;
  for (const point of points) {
    const column = Math.min(columns - 1, Math.floor(((point.x - x0) / span) * columns));
    if (column !== bucket) {
      flush();
      bucket = column;
      low = high = point;
    } else {
      if (point.y < low.y) low = point;
      if (point.y > high.y) high = point;
    }
  }
  flush();
  return out;
}

/** Round tick values: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
export function niceTicks(min, max, count, integer = false) {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw);
  if (integer) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Number(value.toPrecision(12)));
  }
  return ticks;
}

export class Chart {
  /**
   * `series`: [{key, name, className, on}] read from each record's `key`. `id` names
   * the figure for the page's links and its tests.
   */
  constructor({ id, title, series, description }) {
    this.series = series.map((one) => ({ ...one }));
    this.records = [];
    this.marker = null;
    this.references = [];
    this.cursorEpoch = null;
    /** Shown while no shown series has a value. */
    this.emptyText = 'No values yet';
    this.svg = s('svg', {
      class: 'chart-plot', tabindex: 0, role: 'img', 'aria-roledescription': 'chart',
      'aria-label': `${title}. ${description} Arrow keys step through the epochs; the values are read out below.`,
    });
    this.readout = h('p', { class: 'readout', 'aria-live': 'polite' }, 'Point at the chart, or focus it and use the arrow keys, to read an epoch\'s values.');
    const toggles = this.series.length > 1 ? h('div', { class: 'toggles', role: 'group', 'aria-label': `${title}: series shown` },
      this.series.map((one) => h('label', {},
        h('input', { type: 'checkbox', checked: one.on, 'data-series': one.key, onchange: (event) => { one.on = event.target.checked; this.render(); } }),
        h('span', { class: `swatch ${one.className}`, 'aria-hidden': 'true' }), ' ', one.name))) : null;
    this.element = h('figure', { class: 'chart', id },
      h('figcaption', {}, h('h3', { text: title })), toggles, this.svg, this.readout);
    this.svg.addEventListener('pointermove', (event) => this.point(event));
    this.svg.addEventListener('pointerleave', () => this.setCursor(null));
    this.svg.addEventListener('keydown', (event) => this.key(event));
    new ResizeObserver(() => this.render()).observe(this.element);
  }

  setRecords(records) {
    this.records = records;
    this.render();
  }

  /** A vertical mark, such as the best epoch, or null. */
  setMarker(marker) {
    this.marker = marker;
    this.render();
  }

  /** Horizontal lines, such as what real digits score: [{value, label}]. */
  setReferences(references) {
    this.references = references.filter((one) => Number.isFinite(one.value));
    this.render();
  }

  visible() { return this.series.filter((one) => one.on); }

  points(one) {
    return this.records.filter((r) => Number.isFinite(r[one.key])).map((r) => ({ x: r.epoch, y: r[one.key] }));
  }

  /** The epochs that have a value in a shown series, in order: what the cursor steps through. */
  epochs() {
    const shown = this.visible();
    return this.records.filter((r) => shown.some((one) => Number.isFinite(r[one.key]))).map((r) => r.epoch);
  }

  render() {
    const width = Math.max(280, Math.floor(this.svg.parentElement?.clientWidth || 640));
    const plotWidth = width - MARGIN.left - MARGIN.right, plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
    const lines = this.visible().map((one) => ({ one, points: this.points(one) }));
    const all = lines.flatMap((line) => line.points);
    this.svg.replaceChildren();
    this.svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    this.svg.setAttribute('width', width);
    this.svg.setAttribute('height', HEIGHT);
    this.svg.dataset.points = String(Math.max(0, ...lines.map((line) => line.points.length)));
    if (all.length === 0) {
      this.scale = null;
      this.svg.append(s('text', { x: width / 2, y: HEIGHT / 2, class: 'empty', 'text-anchor': 'middle' }, this.emptyText));
      return;
    }
    let [x0, x1] = extent(all.map((p) => p.x));
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    const values = all.map((p) => p.y).concat(this.references.map((one) => one.value));
    let [y0, y1] = extent(values);
    const pad = (y1 - y0) * 0.06 || Math.abs(y1) * 0.1 || 1;
    y0 -= pad; y1 += pad;
    const x = (epoch) => MARGIN.left + ((epoch - x0) / (x1 - x0)) * plotWidth;
    const y = (value) => MARGIN.top + (1 - (value - y0) / (y1 - y0)) * plotHeight;
    this.scale = { x, y, x0, x1, plotWidth };

    const axes = s('g', { class: 'axes' });
    for (const tick of niceTicks(y0, y1, 5)) {
      axes.append(s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick), class: 'grid' }),
        s('text', { x: MARGIN.left - 6, y: y(tick), dy: '0.32em', 'text-anchor': 'end' }, num(tick, 3)));
    }
    for (const tick of niceTicks(x0, x1, Math.max(2, Math.floor(plotWidth / 90)), true)) {
      if (tick < x0 || tick > x1) continue;
      axes.append(s('line', { x1: x(tick), x2: x(tick), y1: MARGIN.top + plotHeight, y2: MARGIN.top + plotHeight + 5, class: 'tick' }),
        s('text', { x: x(tick), y: HEIGHT - 12, 'text-anchor': 'middle' }, String(tick)));
    }
    axes.append(s('text', { x: width - MARGIN.right, y: HEIGHT - 1, 'text-anchor': 'end', class: 'axis-name' }, 'epoch'),
      s('rect', { x: MARGIN.left, y: MARGIN.top, width: plotWidth, height: plotHeight, class: 'frame' }));
    this.svg.append(axes);

    for (const reference of this.references) {
      this.svg.append(s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(reference.value), y2: y(reference.value), class: 'reference' }),
        // Labelled at the left, where a training curve is furthest from real data's value.
        s('text', { x: MARGIN.left + 4, y: y(reference.value) - 4, class: 'reference-label' }, reference.label));
    }
    if (this.marker && this.marker.epoch >= x0 && this.marker.epoch <= x1) {
      const at = x(this.marker.epoch), nearRightEdge = at > MARGIN.left + plotWidth * 0.8;
      this.svg.append(s('line', { x1: at, x2: at, y1: MARGIN.top, y2: MARGIN.top + plotHeight, class: 'marker' }),
        // Mid-height, clear of the reference label; left of the line when the line is near the right edge.
        s('text', { x: nearRightEdge ? at - 4 : at + 4, y: MARGIN.top + plotHeight / 2, 'text-anchor': nearRightEdge ? 'end' : 'start', class: 'marker-label' },
          this.marker.label));
    }
    for (const { one, points } of lines) {
      const drawn = downsample(points, x0, x1, Math.max(1, Math.floor(plotWidth)));
      const d = drawn.map((p, i) => `${i ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
      this.svg.append(s('path', { d, class: `line ${one.className}`, 'data-series': one.key }));
      // Sparse series (scores every few epochs) get a dot per value so single points show.
      if (points.length <= 60) {
        const dots = s('g', { class: `dots ${one.className}` });
        for (const p of points) dots.append(s('circle', { cx: x(p.x), cy: y(p.y), r: 2.5 }));
        this.svg.append(dots);
      }
    }
    this.cursorLayer = s('g', { class: 'cursor' });
    this.svg.append(this.cursorLayer);
    this.drawCursor();
  }

  point(event) {
    if (!this.scale) return;
    const box = this.svg.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * Number(this.svg.getAttribute('width'));
    const epoch = this.scale.x0 + ((px - MARGIN.left) / this.scale.plotWidth) * (this.scale.x1 - this.scale.x0);
    this.setCursor(nearest(this.epochs(), epoch));
  }

  key(event) {
    const epochs = this.epochs();
    if (epochs.length === 0) return;
    const index = this.cursorEpoch === null ? -1 : epochs.indexOf(nearest(epochs, this.cursorEpoch));
    const page = Math.max(1, Math.round(epochs.length / 10));
    const moves = {
      ArrowRight: index + 1, ArrowLeft: index < 0 ? epochs.length - 1 : index - 1, PageUp: index + page, PageDown: index - page,
      Home: 0, End: epochs.length - 1,
    };
    if (event.key === 'Escape') { this.setCursor(null); return; }
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.setCursor(epochs[Math.max(0, Math.min(epochs.length - 1, moves[event.key]))]);
  }

  setCursor(epoch) {
    this.cursorEpoch = epoch;
    this.drawCursor();
  }

  drawCursor() {
    if (!this.cursorLayer) return;
    this.cursorLayer.replaceChildren();
    const record = this.records.find((r) => r.epoch === this.cursorEpoch);
    if (!record || !this.scale) return;
    const { x, y } = this.scale;
    const at = x(record.epoch);
    this.cursorLayer.append(s('line', { x1: at, x2: at, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom, class: 'cursor-line' }));
    const parts = [];
    for (const one of this.visible()) {
      const value = record[one.key];
      if (!Number.isFinite(value)) continue;
      this.cursorLayer.append(s('circle', { cx: at, cy: y(value), r: 4, class: `cursor-dot ${one.className}` }));
      parts.push(`${one.name} ${num(value, 4)}`);
    }
    this.readout.textContent = `Epoch ${record.epoch}: ${parts.join(', ') || 'no value'}`;
  }
}

/** [lowest, highest] by a loop: spreading 40,000 values into Math.min can overflow the stack. */
function extent(values) {
  let low = Infinity, high = -Infinity;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return [low, high];
}

/** The value in sorted `epochs` nearest `epoch`, or null when there is none. */
function nearest(epochs, epoch) {
  if (epochs.length === 0) return null;
  let low = 0, high = epochs.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (epochs[middle] < epoch) low = middle + 1; else high = middle;
  }
  if (low > 0 && Math.abs(epochs[low - 1] - epoch) <= Math.abs(epochs[low] - epoch)) return epochs[low - 1];
  return epochs[low];
}
