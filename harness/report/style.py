"""The report's stylesheet, inlined into report.html so the file works offline and alone."""

from __future__ import annotations

CSS = """
:root {
  --ink: #1d232b; --muted: #5b6570; --line: #d9dee3; --panel: #f6f8fa;
  --advance: #1a7f37; --advance-bg: #e6f4ea; --hold: #8a5a00; --hold-bg: #fff4d6;
  --rollback: #b42318; --rollback-bg: #fdeceb; --invalid: #5a3e9c; --invalid-bg: #efeafb;
  --legacy: #0072B2; --graph: #B36B00;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0 auto; max-width: 1180px; padding: 0 1.5rem 3rem; color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  line-height: 1.45; background: #fff;
}
header.top { padding: 1.2rem 0 0.6rem; border-bottom: 2px solid var(--ink); }
header.top h1 { margin: 0; font-size: 1.5rem; }
header.top p { margin: 0.2rem 0 0; color: var(--muted); }
nav.toc { position: sticky; top: 0; background: #fff; z-index: 2; padding: 0.4rem 0;
  border-bottom: 1px solid var(--line); font-size: 0.9rem; }
nav.toc a { margin-right: 1rem; color: var(--ink); text-decoration: none; white-space: nowrap; }
nav.toc a:hover { text-decoration: underline; }
section { margin-top: 1.8rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1.02rem; margin: 1.2rem 0 0.4rem; }
p.note, .note { color: var(--muted); font-size: 0.88rem; }
.banners { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: 0.6rem; }
.banner { border-left: 6px solid; border-radius: 4px; padding: 0.5rem 0.7rem;
  break-inside: avoid; }
.banner .step { font-weight: 600; white-space: nowrap; }
.banner > div:first-child { display: flex; justify-content: space-between; gap: 0.4rem; }
.banner .decision { font-weight: 700; letter-spacing: 0.03em; }
.banner .note { font-size: 0.8rem; }
.banner p.reason { margin: 0.3rem 0 0; font-size: 0.85rem; }
.decision-advance { border-color: var(--advance); background: var(--advance-bg); }
.decision-advance .decision { color: var(--advance); }
.decision-hold { border-color: var(--hold); background: var(--hold-bg); }
.decision-hold .decision { color: var(--hold); }
.decision-rollback { border-color: var(--rollback); background: var(--rollback-bg); }
.decision-rollback .decision { color: var(--rollback); }
.decision-invalid, .decision-unknown {
  border-color: var(--invalid); background: var(--invalid-bg); }
.decision-invalid .decision, .decision-unknown .decision { color: var(--invalid); }
.verdict-pass, .verdict-advance, .verdict-ok { color: var(--advance); font-weight: 600; }
.verdict-hold, .verdict-inconclusive, .verdict-warn { color: var(--hold); font-weight: 600; }
.verdict-fail, .verdict-rollback { color: var(--rollback); font-weight: 600; }
.verdict-invalid { color: var(--invalid); font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0.6rem 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 4px;
  padding: 0.45rem 0.8rem; min-width: 9rem; }
.card .label { display: block; font-size: 0.78rem; color: var(--muted); }
.card .value { font-size: 1.25rem; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; font-size: 0.88rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.28rem 0.5rem; text-align: left;
  vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.legacy { color: var(--legacy); }
.graph { color: var(--graph); }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; font-size: 0.82rem; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 4px;
  padding: 0.5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word;
  max-height: 28rem; overflow-y: auto; margin: 0.2rem 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.6rem; }
.pair h4 { margin: 0.2rem 0; font-size: 0.85rem; }
mark.del { background: #ffd7d5; color: inherit; text-decoration: line-through;
  text-decoration-color: #b42318; }
mark.ins { background: #ccf0d5; color: inherit; }
span.cut { color: var(--muted); font-style: italic; }
article.signature { border: 1px solid var(--line); border-radius: 4px; padding: 0.4rem 0.8rem;
  margin: 0.8rem 0; break-inside: avoid; }
article.signature h4 { margin: 0.5rem 0 0.2rem; font-size: 0.88rem; }
article.signature h4.title { margin: 0.3rem 0; font-size: 0.95rem; }
svg.plot { width: 100%; height: auto; display: block; margin: 0.3rem 0; }
figure { margin: 0.4rem 0 1rem; break-inside: avoid; }
figcaption { color: var(--muted); font-size: 0.84rem; }
details summary { cursor: pointer; color: var(--muted); font-size: 0.88rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem;
  font-size: 0.88rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-word; }
.bar { display: inline-block; height: 0.7rem; background: var(--legacy); vertical-align: middle; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 0.8rem;
  border-top: 1px solid var(--line); padding-top: 0.5rem; }
@media (max-width: 760px) { .pair { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  html { font-size: 11px; }
  body { max-width: none; padding: 0; }
  nav.toc { display: none; }
  pre { max-height: none; overflow: visible; }
  .scroll { overflow: visible; }
  section { break-before: auto; }
  h2, h3 { break-after: avoid; }
  tr, .banner, figure, article.signature { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .banner, mark, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
