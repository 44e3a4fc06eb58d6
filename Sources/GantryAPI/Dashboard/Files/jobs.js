// The jobs list, PAGE_SIZE jobs a page: one GET /v1/jobs every two seconds refreshes
// the page shown, however many jobs there are; rows are updated in place so keyboard
// focus stays put. "Older" follows the page's next_cursor; "Newer" goes back along the
// cursors already followed. The first page is always the newest jobs; a later page
// starts at its cursor's position, so it stays put while new jobs arrive.

import { h, num, age, sleep, isAbort, FINISHED } from './dom.js';
import { jobForm } from './job-form.js';

const POLL_MS = 2000;
const PAGE_SIZE = 50;

export function jobsView({ api, main, signal, confirm, navigate, notify, problem }) {
  const body = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, 'No jobs yet. Start one with the form below.');
  const table = h('table', { class: 'jobs', id: 'jobs-table' },
    h('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
    h('thead', {}, h('tr', {}, ['Job', 'Status', 'Phase', 'Progress', 'Epoch', 'Latest D / G loss', 'Best fd', 'Created', 'Actions']
      .map((label) => h('th', { scope: 'col' }, label)))),
    body);
  const form = jobForm(api, { onCreated: (job) => navigate(`#/jobs/${job.id}`) });
  // cursors[i] is where page i starts (null: the newest); the last one shown is `page`.
  const cursors = [null];
  let page = 0, nextCursor = null;
  const newer = h('button', { type: 'button', id: 'jobs-newer', onclick: () => turn(page - 1) }, 'Newer');
  const older = h('button', { type: 'button', id: 'jobs-older', onclick: () => turn(page + 1) }, 'Older');
  const pageLabel = h('span', { id: 'jobs-page', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Job pages', hidden: true }, newer, pageLabel, older);
  main.append(h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'),
    h('div', { class: 'table-scroll' }, table), empty, pager), form.element);

  function turn(to) {
    if (to < 0) return;
    if (to > page) {
      if (!nextCursor) return;
      cursors[to] = nextCursor;
    }
    page = to;
    cursors.length = page + 1;
    refresh().catch((error) => { if (!isAbort(error)) notify(`Cannot list jobs: ${error.message}`, true); });
  }

  const rows = new Map();

  function row(job) {
    let entry = rows.get(job.id);
    if (!entry) {
      const cells = {
        status: h('span', { class: 'badge' }), phase: h('td'),
        bar: h('progress', { max: 1, value: 0, 'aria-label': `job ${job.id} progress` }), epoch: h('td', { class: 'number' }),
        losses: h('td', { class: 'number' }), fd: h('td', { class: 'number' }), age: h('td'), actions: h('td', { class: 'actions' }),
      };
      const element = h('tr', { 'data-job': job.id },
        h('th', { scope: 'row' }, h('a', { href: `#/jobs/${job.id}`, class: 'job-link' }, h('code', {}, job.id))),
        h('td', {}, cells.status), cells.phase, h('td', {}, cells.bar), cells.epoch, cells.losses, cells.fd, cells.age, cells.actions);
      entry = { element, cells, actionsFor: null };
      rows.set(job.id, entry);
    }
    const { cells } = entry, progress = job.progress;
    cells.status.textContent = job.status;
    cells.status.className = `badge status-${job.status}`;
    const fraction = progress.phase_fraction;
    cells.phase.textContent = progress.phase + (fraction !== null && fraction !== undefined && !FINISHED.has(job.status) ? ` ${Math.round(fraction * 100)}%` : '');
    cells.bar.max = progress.epochs;
    cells.bar.value = progress.epoch;
    cells.epoch.textContent = `${progress.epoch} / ${progress.epochs}`;
    cells.losses.textContent = job.latest ? `${num(job.latest.d_loss)} / ${num(job.latest.g_loss)}` : '–';
    cells.fd.textContent = num(job.quality?.best_fd);
    cells.age.textContent = age(job.created_at);
    cells.age.title = job.created_at;
    const finished = FINISHED.has(job.status);
    if (entry.actionsFor !== finished) {
      entry.actionsFor = finished;
      cells.actions.replaceChildren(finished
        ? h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => remove(job.id) }, 'Delete')
        : h('button', { type: 'button', 'data-action': 'cancel', onclick: () => cancel(job.id) }, 'Cancel'));
    }
    return entry.element;
  }

  async function cancel(id) {
    if (!(await confirm(`Cancel job ${id}? It stops at the next step and keeps what it has learned.`, 'Cancel job'))) return;
    try { await api.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' }); notify(`Job ${id} cancelled.`); } catch (error) { notify(error.message, true); }
    refresh().catch(() => {}); // the polling loop reports a failure to list
  }

  async function remove(id) {
    if (!(await confirm(`Delete job ${id} with its checkpoints, samples and losses? This cannot be undone.`, 'Delete job'))) return;
    try { await api.fetch(`/v1/jobs/${id}`, { method: 'DELETE' }); notify(`Job ${id} deleted.`); } catch (error) { notify(error.message, true); }
    refresh().catch(() => {}); // the polling loop reports a failure to list
  }

  async function refresh() {
    const shown = page, cursor = cursors[page];
    const query = `?limit=${PAGE_SIZE}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const { jobs, next_cursor } = await api.json(`/v1/jobs${query}`, { signal });
    if (shown !== page) return; // the page was turned while this one was asked for
    nextCursor = next_cursor ?? null;
    // A later page emptied by deletes: back to the one before it.
    if (jobs.length === 0 && page > 0) return turn(page - 1);
    older.disabled = !nextCursor;
    newer.disabled = page === 0;
    pageLabel.textContent = `Page ${page + 1}`;
    pager.hidden = page === 0 && !nextCursor;
    const seen = new Set(jobs.map((job) => job.id));
    for (const [id, entry] of rows) if (!seen.has(id)) { entry.element.remove(); rows.delete(id); }
    // Appending an element already in the body moves it: the rows end in the API's order.
    jobs.forEach((job) => body.append(row(job)));
    empty.hidden = jobs.length > 0;
    table.hidden = jobs.length === 0;
  }

  (async () => {
    form.loadDatasets(signal).catch((error) => { if (!isAbort(error)) problem(`Cannot list datasets: ${error.message}`); });
    while (!signal.aborted) {
      try { await refresh(); problem(null); } catch (error) { if (isAbort(error)) return; problem(`Cannot list jobs: ${error.message}`); }
      try { await sleep(POLL_MS, signal); } catch { return; }
    }
  })();
}
