// `style.css` of the browser dashboard, served as `/ui/style.css`. Edit it here: the
// binary carries this text, and there is no build step.
extension DashboardFiles {
    /// The style: light and dark colours from `prefers-color-scheme`, sizes in rem.
    static let styleCSS = ##"""
/* Light and dark from the system's preference; sizes in rem so the page reflows at 200% zoom. */
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --accent: #1d4f91; --danger: #b42318; --warn-bg: #fff4ce; --warn-fg: #5c4400; --error-bg: #fde7e9;
  --d: #1f6feb; --g: #d1242f; --dr: #1a7f37; --df: #9a6700; --fd: #8250df; --is: #bf3989;
  --focus: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #161b22;
    --accent: #79b8ff; --danger: #ff7b72; --warn-bg: #3b2e00; --warn-fg: #f2cc60; --error-bg: #3c1618;
    --d: #58a6ff; --g: #ff7b72; --dr: #3fb950; --df: #d29922; --fd: #bc8cff; --is: #f778ba;
    --focus: #58a6ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 1rem/1.45 system-ui, sans-serif; }
main { max-width: 80rem; margin: 0 auto; padding: 0 1rem 3rem; }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0 0 0.25rem; }
a { color: var(--accent); }
code { font-family: ui-monospace, monospace; font-size: 0.92em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }

.top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.top h1 a { color: var(--fg); text-decoration: none; }
.top p { margin: 0; }
#forget-token { margin-left: auto; }
.error { color: var(--danger); }
p.error, p.warning { padding: 0.5rem 0.75rem; border-radius: 0.3rem; }
p.error { background: var(--error-bg); }
p.warning { background: var(--warn-bg); color: var(--warn-fg); }
.empty { color: var(--muted); }

button { font: inherit; padding: 0.35rem 0.8rem; border: 1px solid var(--line); border-radius: 0.3rem; background: var(--panel); color: var(--fg); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: 0.55; cursor: default; }
button.primary { background: var(--accent); color: var(--bg); border-color: var(--accent); }
button.danger { color: var(--danger); }
.buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.5rem 0; }

.table-scroll { overflow-x: auto; }
.pager { display: flex; align-items: center; gap: 0.75rem; margin: 0.5rem 0; }
table.jobs { border-collapse: collapse; width: 100%; }
table.jobs th, table.jobs td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.jobs thead th { font-size: 0.85rem; color: var(--muted); font-weight: 600; }
td.number { font-variant-numeric: tabular-nums; }
progress { width: 8rem; height: 0.8rem; accent-color: var(--accent); }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 1rem; font-size: 0.85rem; border: 1px solid currentColor; }
.status-running, .status-downloading { color: var(--accent); }
.status-completed { color: var(--dr); }
.status-failed { color: var(--danger); }
.status-cancelled, .status-queued { color: var(--muted); }

#job-form { margin-top: 2rem; padding: 1rem; border: 1px solid var(--line); border-radius: 0.4rem; background: var(--panel); }
#job-form h2 { margin-top: 0; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 0.75rem 1.25rem; }
.field label { display: block; font-weight: 600; font-size: 0.95rem; }
.field label code { font-weight: 400; color: var(--muted); }
.field input, .field select { width: 100%; font: inherit; padding: 0.3rem 0.45rem; border: 1px solid var(--line); border-radius: 0.25rem; background: var(--bg); color: var(--fg); }
.field input[type="checkbox"] { width: auto; margin: 0.4rem 0; }
.field input[aria-invalid="true"] { border-color: var(--danger); border-width: 2px; }
.help { margin: 0.15rem 0 0; font-size: 0.82rem; color: var(--muted); }
.field-error { margin: 0.15rem 0 0; font-size: 0.88rem; color: var(--danger); }
.field-error:empty { display: none; }
.form-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; margin-top: 1rem; }
.form-actions p { margin: 0; }

.job-head h2 { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.progress-line { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; }
.progress-line progress { width: 16rem; max-width: 100%; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 0.25rem 1rem; margin: 0.75rem 0; }
.facts div { min-width: 0; }
.facts dt { font-size: 0.8rem; color: var(--muted); }
.facts dd { margin: 0; }

.job-body { display: grid; gap: 0 2rem; }
@media (min-width: 72rem) { .job-body { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); } }
.grids > h2 { margin-top: 1rem; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr)); gap: 1rem; }
figure { margin: 1rem 0 0; min-width: 0; }
.chart-plot { display: block; max-width: 100%; height: auto; border-radius: 0.3rem; }
.chart-plot text { fill: var(--muted); font-size: 11px; }
.chart-plot .grid { stroke: var(--line); stroke-width: 0.5; }
.chart-plot .tick { stroke: var(--muted); }
.chart-plot .frame { fill: none; stroke: var(--line); }
.chart-plot .line { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
.chart-plot .reference { stroke: var(--muted); stroke-dasharray: 2 3; }
.chart-plot .marker { stroke: var(--fg); stroke-dasharray: 5 3; }
.chart-plot text.marker-label { fill: var(--fg); }
.chart-plot .cursor-line { stroke: var(--muted); }
.chart-plot .cursor-dot { stroke: var(--bg); stroke-width: 1.5; }
.s-d { stroke: var(--d); fill: var(--d); } .s-g { stroke: var(--g); fill: var(--g); }
.s-dr { stroke: var(--dr); fill: var(--dr); } .s-df { stroke: var(--df); fill: var(--df); }
.s-fd { stroke: var(--fd); fill: var(--fd); } .s-is { stroke: var(--is); fill: var(--is); }
.chart-plot path.line { fill: none; }
.toggles { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; font-size: 0.9rem; }
.swatch { display: inline-block; width: 0.9rem; height: 0.25rem; vertical-align: middle; margin-left: 0.25rem; background: currentColor; }
.swatch.s-d { background: var(--d); } .swatch.s-g { background: var(--g); } .swatch.s-dr { background: var(--dr); } .swatch.s-df { background: var(--df); }
.readout { margin: 0.25rem 0 0; font-size: 0.9rem; color: var(--muted); font-variant-numeric: tabular-nums; min-height: 1.3em; }

canvas.digits { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--line); margin: 0.25rem 0; }
figure.grid figcaption { font-size: 0.9rem; color: var(--muted); margin-bottom: 0.4rem; }
.slider-line { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
#epoch-slider { width: min(100%, 32rem); accent-color: var(--accent); }

.histogram { display: block; width: 100%; max-width: 30rem; height: auto; }
.histogram .bar { fill: var(--accent); }
.histogram .bar.over { fill: var(--danger); }
.histogram text { fill: var(--fg); font-size: 12px; }
.histogram text.count { fill: var(--muted); font-size: 10px; }

dialog { border: 1px solid var(--line); border-radius: 0.5rem; background: var(--bg); color: var(--fg); max-width: min(34rem, 92vw); padding: 1.25rem; }
dialog::backdrop { background: rgb(0 0 0 / 0.45); }
dialog h2 { margin-top: 0; }
#token-input { width: 100%; font: inherit; padding: 0.35rem; }
"""##
}
