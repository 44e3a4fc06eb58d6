// The page's one way to call the API: adds the bearer token, asks for it on a 401,
// and turns error bodies ({"error": {"code", "message"}}) into APIError.

const TOKEN_KEY = 'gantry.token';

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function errorOf(response) {
  let code = 'http_' + response.status, message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body?.error) ({ code, message } = body.error);
  } catch { /* not JSON: keep the status line */ }
  return new APIError(response.status, code, message);
}

export class API {
  /** `askForToken(message)` shows the token form and resolves once a token is stored. */
  constructor(askForToken) {
    this.askForToken = askForToken;
    this.asking = null;
  }

  get token() { return sessionStorage.getItem(TOKEN_KEY); }
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  /** The response to a request, retried with a new token after a 401; throws APIError otherwise. */
  async fetch(path, { method = 'GET', body, headers = {}, signal } = {}) {
    for (;;) {
      const sent = this.token;
      const all = new Headers(headers);
      if (sent) all.set('Authorization', 'Bearer ' + sent);
      const response = await fetch(path, { method, body, headers: all, signal, cache: 'no-store' });
      if (response.status !== 401) {
        if (!response.ok) throw await errorOf(response);
        return response;
      }
      const refusal = await errorOf(response);
      // Another call may have stored a new token meanwhile: try that one first.
      if (this.token !== sent) continue;
      this.token = null;
      await this.ask(sent
        ? `The daemon refused this token (${refusal.message}). Enter the token from its auth_token_file.`
        : 'This daemon needs its access token (the contents of its auth_token_file).');
    }
  }

  /** One token form at a time, however many calls were refused together. */
  ask(message) {
    this.asking ??= this.askForToken(message).finally(() => { this.asking = null; });
    return this.asking;
  }

  async json(path, options) {
    return (await this.fetch(path, options)).json();
  }

  async bytes(path, options) {
    const response = await this.fetch(path, options);
    return { bytes: new Uint8Array(await response.arrayBuffer()), headers: response.headers };
  }

  /** Saves a response as a file. A link cannot carry a bearer header, so the bytes come through fetch. */
  async download(path, fallbackName) {
    const response = await this.fetch(path);
    const disposition = response.headers.get('Content-Disposition') || '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
