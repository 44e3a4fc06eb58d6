// The dashboard's entry: routes `#/` to the jobs list and `#/jobs/ID` to a job's
// page, and owns the page-wide parts: the token form, the confirmation dialog and
// the status line.

import { API } from './api.js';
import { jobsView } from './jobs.js';
import { jobView } from './job.js';

class App {
  constructor() {
    this.main = document.getElementById('main');
    this.notice = document.getElementById('notice');
    this.connection = document.getElementById('connection');
    this.api = new API((message) => this.askForToken(message));
    this.view = null;
    document.getElementById('forget-token').addEventListener('click', () => {
      this.api.token = null;
      this.route();
    });
    window.addEventListener('hashchange', () => this.route());
  }

  route() {
    this.view?.abort();
    this.view = new AbortController();
    this.notify(null);
    this.problem(null);
    this.main.replaceChildren();
    const context = {
      api: this.api, main: this.main, signal: this.view.signal,
      confirm: (message, action) => this.confirm(message, action),
      navigate: (hash) => { location.hash = hash; },
      notify: (message, isError) => this.notify(message, isError),
      problem: (message) => this.problem(message),
    };
    const job = /^#\/jobs\/([a-z0-9]{1,64})$/.exec(location.hash);
    if (job) {
      document.title = `Job ${job[1]} · Gantry`;
      jobView({ ...context, id: job[1] });
    } else {
      document.title = 'Jobs · Gantry';
      jobsView(context);
    }
    document.getElementById('forget-token').hidden = !this.api.token;
  }

  /** The result of the reader's last action (cleared with null). */
  notify(message, isError = false) {
    this.notice.textContent = message ?? '';
    this.notice.classList.toggle('error', Boolean(isError));
  }

  /** A problem reaching the daemon, shown until the next call succeeds (cleared with null). */
  problem(message) {
    this.connection.textContent = message ?? '';
    this.connection.hidden = !message;
  }

  /** Shows the token form until a token is entered; the page's calls wait for it. */
  askForToken(message) {
    const dialog = document.getElementById('token-dialog');
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    document.getElementById('token-message').textContent = message;
    input.value = '';
    return new Promise((resolve) => {
      const submit = (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        this.api.token = token;
        form.removeEventListener('submit', submit);
        dialog.close();
        document.getElementById('forget-token').hidden = false;
        resolve();
      };
      form.addEventListener('submit', submit);
      if (!dialog.open) dialog.showModal();
      input.focus();
    });
  }

  /** A yes/no question in a modal dialog; resolves true when the action is confirmed. */
  confirm(message, action) {
    const dialog = document.getElementById('confirm-dialog');
    document.getElementById('confirm-message').textContent = message;
    const ok = document.getElementById('confirm-ok');
    ok.textContent = action;
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
      document.getElementById('confirm-keep').focus();
    });
  }
}

// The token dialog cannot be dismissed: nothing works without a token.
document.getElementById('token-dialog').addEventListener('cancel', (event) => event.preventDefault());
document.getElementById('confirm-dialog').addEventListener('submit', (event) => {
  event.preventDefault();
  event.target.closest('dialog').close(event.submitter?.value ?? '');
});
new App().route();
