// The form that starts a job: every request field with its default filled in, the
// API's 400 message shown beside the field it names, and one Idempotency-Key per
// form state so a double click or a retry starts one job, not two.

import { h } from './dom.js';

/** Every field of POST /v1/jobs (docs/api.md), with the notebook's default and the range; `empty` says what an empty default means. */
export const FIELDS = [
  { name: 'dataset', label: 'Dataset', kind: 'dataset', value: 'mnist', help: 'one of the daemon\'s configured datasets' },
  { name: 'model', label: 'Model recipe', kind: 'recipe', value: 'notebook', help: 'notebook, improved or dcgan (the convolutional GAN); each sets its own defaults below' },
  { name: 'epochs', label: 'Epochs', kind: 'integer', value: '100', help: '1–10,000' },
  { name: 'batch_size', label: 'Batch size', kind: 'integer', value: '100', help: '1–10,000, at most the training set' },
  { name: 'z_size', label: 'Noise size (z)', kind: 'integer', value: '100', help: '1–1,024' },
  { name: 'g_hidden', label: 'Generator hidden units', kind: 'integer', value: '128', help: '1–4,096 (notebook and improved)' },
  { name: 'd_hidden', label: 'Discriminator hidden units', kind: 'integer', value: '128', help: '1–4,096 (notebook and improved)' },
  { name: 'g_channels', label: 'Generator channels at 7×7', kind: 'integer', value: '128', help: 'even, 2–512 (dcgan)' },
  { name: 'd_channels', label: 'Discriminator channels at 14×14', kind: 'integer', value: '64', help: '1–512 (dcgan)' },
  { name: 'alpha', label: 'Leaky-ReLU slope (alpha)', kind: 'number', value: '0.01', help: '0 ≤ alpha < 1' },
  { name: 'smooth', label: 'Label smoothing', kind: 'number', value: '0.1', help: '0 ≤ smooth < 0.5' },
  { name: 'learning_rate', label: 'Learning rate', kind: 'number', value: '0.002', help: '0 < rate ≤ 1' },
  { name: 'beta1', label: 'Adam beta1', kind: 'number', value: '0.9', help: '0 ≤ beta1 < 1' },
  { name: 'd_dropout', label: 'Discriminator dropout', kind: 'number', value: '0', help: '0–0.9; 0 is off' },
  { name: 'ema_decay', label: 'Generator average decay', kind: 'number', value: '0', help: '0 ≤ decay < 1; 0 is off' },
  { name: 'd_augment', label: 'Discriminator input augmentation', kind: 'text', value: '', empty: 'none', help: 'comma-separated translation, cutout, brightness, contrast; empty is off (dcgan)' },
  { name: 'conditional', label: 'Conditional on the digit', kind: 'boolean', value: 'false', help: 'both networks are given the digit' },
  { name: 'seed', label: 'Seed', kind: 'integer', value: '', empty: 'random', help: 'empty: a random seed, recorded with the job' },
  { name: 'samples_per_epoch', label: 'Digits recorded per epoch', kind: 'integer', value: '16', help: '1–256' },
  { name: 'eval_every', label: 'Score every … epochs', kind: 'schedule', value: 'auto', help: '"auto" (about a tenth of training time), or 0–10,000; 0 turns scoring off' },
  { name: 'eval_samples', label: 'Digits per scoring', kind: 'integer', value: '10000', help: '500–50,000' },
];

/** The fields each recipe sets instead of the notebook's defaults (GAN's ModelRecipe). */
export const RECIPES = {
  notebook: {},
  improved: { beta1: '0.5', g_hidden: '256', d_hidden: '256', d_dropout: '0.3', ema_decay: '0.999' },
  dcgan: { learning_rate: '0.0002', beta1: '0.5', alpha: '0.2', smooth: '0', ema_decay: '0.999' },
};

/** A field's default under `recipe`. */
export function defaultOf(field, recipe) {
  return RECIPES[recipe]?.[field.name] ?? field.value;
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * The request body as JSON text, with only the fields that differ from their
 * default under the chosen recipe: the API fills in the rest, and a field sent with
 * the notebook's value would override what the recipe sets. A number is sent as the
 * literal typed, so a seed above 2^53 keeps every digit and the API, not the page,
 * judges the value; text that is not a number goes as a string, and the API's 400
 * names the field.
 */
export function requestBody(values) {
  const recipe = (values.model ?? 'notebook').trim();
  const parts = [];
  for (const field of FIELDS) {
    const text = (values[field.name] ?? '').trim();
    if (text === '' || text === defaultOf(field, recipe)) continue;
    const literal = field.kind === 'boolean' ? text : field.kind === 'dataset' || field.kind === 'recipe' || field.kind === 'text' || (field.kind === 'schedule' && text === 'auto') || !NUMBER.test(text)
      ? JSON.stringify(text) : text;
    parts.push(`${JSON.stringify(field.name)}: ${literal}`);
  }
  return `{${parts.join(', ')}}`;
}

/** The field a 400 message is about: the earliest field name in it, as a whole word. */
export function fieldNamed(message) {
  let best = null, bestAt = Infinity;
  for (const field of FIELDS) {
    const match = new RegExp(`(^|[^a-z0-9_])${field.name}($|[^a-z0-9_])`).exec(message);
    if (match && match.index < bestAt) { best = field.name; bestAt = match.index; }
  }
  return best;
}

/** A new random key; crypto.randomUUID needs a secure context, which plain http on a LAN is not. */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'dashboard-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The form element; `onCreated(job)` runs once the API has the job. */
export function jobForm(api, { onCreated }) {
  let key = newKey();
  const inputs = {}, errors = {}, helps = {};
  let recipe = 'notebook';
  const status = h('p', { class: 'form-status', role: 'status', id: 'job-form-status' });
  const rows = FIELDS.map((field) => {
    const id = `field-${field.name}`;
    errors[field.name] = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
    const help = h('p', { class: 'help', id: `${id}-help` });
    helps[field.name] = help;
    const described = `${id}-help ${id}-error`;
    inputs[field.name] = field.kind === 'boolean'
      ? h('input', { id, name: field.name, type: 'checkbox', 'aria-describedby': described })
      : field.kind === 'dataset' || field.kind === 'recipe'
      ? h('select', { id, name: field.name, 'aria-describedby': described },
        (field.kind === 'recipe' ? Object.keys(RECIPES) : [field.value]).map((name) => h('option', { value: name }, name)))
      : h('input', {
        id, name: field.name, value: field.value, type: 'text', autocomplete: 'off', spellcheck: 'false',
        inputmode: field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : 'text',
        placeholder: field.empty ?? null, 'aria-describedby': described,
      });
    return h('div', { class: 'field' }, h('label', { for: id }, field.label, ' ', h('code', {}, field.name)),
      inputs[field.name], help, errors[field.name]);
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start job');
  const form = h('form', { id: 'job-form', novalidate: true, 'aria-labelledby': 'job-form-title' },
    h('h2', { id: 'job-form-title' }, 'Start a job'), h('div', { class: 'fields' }, rows),
    h('div', { class: 'form-actions' }, submit, status));

  /** Shows each field's default under the chosen recipe, and moves a field still at the old default to the new one. */
  function applyRecipe(next) {
    for (const field of FIELDS) {
      const input = inputs[field.name], before = defaultOf(field, recipe), after = defaultOf(field, next);
      if (!['recipe', 'dataset', 'boolean'].includes(field.kind) && input.value.trim() === before) input.value = after;
      helps[field.name].textContent = `default ${after || field.empty}; ${field.help}`;
    }
    recipe = next;
  }
  applyRecipe('notebook');
  inputs.model.addEventListener('change', () => applyRecipe(inputs.model.value));

  // A changed form is a new request, so it gets a new key; an unchanged one resent
  // (double click, retry after an error) keeps it, and the API answers with the same job.
  form.addEventListener('input', () => { key = newKey(); });

  function clearErrors() {
    for (const field of FIELDS) {
      errors[field.name].textContent = '';
      inputs[field.name].removeAttribute('aria-invalid');
    }
    status.textContent = '';
    status.classList.remove('error');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const values = Object.fromEntries(FIELDS.map((field) => [field.name,
      field.kind === 'boolean' ? String(inputs[field.name].checked) : inputs[field.name].value]));
    submit.disabled = true;
    status.textContent = 'Starting…';
    try {
      const job = await api.json('/v1/jobs', {
        method: 'POST', body: requestBody(values),
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
      });
      status.textContent = `Started job ${job.id}.`;
      onCreated(job);
    } catch (error) {
      const name = error.status === 400 ? fieldNamed(error.message) : null;
      if (name) {
        errors[name].textContent = error.message;
        inputs[name].setAttribute('aria-invalid', 'true');
        inputs[name].focus();
        status.textContent = `Not started: see ${name}.`;
      } else {
        status.textContent = `Not started: ${error.message}`;
      }
      status.classList.add('error');
    } finally {
      submit.disabled = false;
    }
  });

  /** Fills the dataset list from GET /v1/datasets, keeping `mnist` first when it is there. */
  async function loadDatasets(signal) {
    const { datasets } = await api.json('/v1/datasets', { signal });
    const select = inputs.dataset, chosen = select.value;
    const names = datasets.map((d) => d.name);
    select.replaceChildren(...names.map((name) => h('option', { value: name, selected: name === chosen },
      name + (datasets.find((d) => d.name === name)?.downloaded ? '' : ' (not downloaded yet)'))));
  }

  return { element: form, loadDatasets };
}
