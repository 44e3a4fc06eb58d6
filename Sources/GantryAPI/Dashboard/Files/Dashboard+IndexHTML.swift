// `index.html` of the browser dashboard, served as `/`. Edit it here: the
// binary carries this text, and there is no build step.
extension DashboardFiles {
    /// The page: its header, the main area the views fill, and the token and confirmation dialogs.
    static let indexHTML = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Gantry</title>
<link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/style.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<header class="top">
  <h1><a href="#/">Gantry</a></h1>
  <p id="notice" role="status"></p>
  <p id="connection" class="error" role="alert" hidden></p>
  <button type="button" id="forget-token" hidden>Forget token</button>
</header>
<main id="main">
  <noscript><p>This dashboard needs JavaScript. The API it uses is under <code>/v1</code>.</p></noscript>
</main>
<dialog id="token-dialog" aria-labelledby="token-title">
  <form id="token-form">
    <h2 id="token-title">Access token</h2>
    <p id="token-message"></p>
    <p><label for="token-input">Token</label>
      <input id="token-input" type="password" autocomplete="current-password" spellcheck="false" required></p>
    <p class="help">Kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.</p>
    <button type="submit" class="primary" id="token-submit">Use this token</button>
  </form>
</dialog>
<dialog id="confirm-dialog" aria-labelledby="confirm-message">
  <form>
    <p id="confirm-message"></p>
    <div class="buttons">
      <button type="submit" value="keep" id="confirm-keep">Keep it</button>
      <button type="submit" value="ok" id="confirm-ok" class="danger">Confirm</button>
    </div>
  </form>
</dialog>
</body>
</html>
"""##
}
