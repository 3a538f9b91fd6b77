// The CSS every widget's shadow root starts with. The host page's CSS
// reaches a shadow tree only through what its elements inherit from the
// host element, so every inherited property is reset on the tree's
// top-level elements (:host>*). Colours come from
// --rs-* custom properties when the host page sets them (they inherit
// into shadow trees), with light defaults; theme "dark" or the user's
// prefers-color-scheme (theme "auto") switch the defaults.

const light = `--fg:#1b1f24;--bg:#ffffff;--muted:#5b6570;--border:#d5dbe1;--subtle:#f3f5f7;--accent:#0b63c5;--bad:#c62828;--warn:#b26a00;--ok:#1e7d32;
  --p0:#2f6fdf;--p1:#e8590c;--p2:#2b8a3e;--p3:#ae3ec9;--p4:#c92a2a;--p5:#0c8599;--p6:#b08800;--p7:#5f3dc4;--p8:#a61e4d;--p9:#667080;
  --ann:#2f6fdf;--wd:#e03131;--track:#e9edf1;--shadow:0 4px 14px rgba(20,30,40,.16);`;
const dark = `--fg:#e6e9ec;--bg:#16191d;--muted:#9aa4ae;--border:#343a41;--subtle:#1f2328;--accent:#5ea8ff;--bad:#ff6b6b;--warn:#f0b429;--ok:#5cc46a;
  --p0:#6ea8fe;--p1:#ff922b;--p2:#69db7c;--p3:#da77f2;--p4:#ff6b6b;--p5:#3bc9db;--p6:#ffd43b;--p7:#9775fa;--p8:#f06595;--p9:#adb5bd;
  --ann:#6ea8fe;--wd:#ff6b6b;--track:#2a3037;--shadow:0 4px 18px rgba(0,0,0,.5);`;

/** baseCSS is the stylesheet of a widget frame. */
export const baseCSS = `
:host{all:initial;display:block;${light}
  color:var(--rs-fg,var(--fg));background:transparent;
  font:14px/1.45 var(--rs-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);
  --c-fg:var(--rs-fg,var(--fg));--c-bg:var(--rs-bg,var(--bg));--c-muted:var(--rs-muted,var(--muted));
  --c-border:var(--rs-border,var(--border));--c-subtle:var(--rs-subtle,var(--subtle));--c-accent:var(--rs-accent,var(--accent));
  --c-bad:var(--rs-bad,var(--bad));--c-warn:var(--rs-warn,var(--warn));--c-ok:var(--rs-ok,var(--ok));
  --c-ann:var(--rs-announce,var(--ann));--c-wd:var(--rs-withdraw,var(--wd));--c-track:var(--rs-track,var(--track));
  --mono:var(--rs-mono,ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace)}
:host([data-theme=dark]){${dark}color-scheme:dark}
@media (prefers-color-scheme:dark){:host([data-theme=auto]){${dark}color-scheme:dark}}
:host([hidden]){display:none}
:host>*{font:14px/1.45 var(--rs-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);
  color:var(--c-fg);letter-spacing:normal;word-spacing:normal;text-transform:none;text-align:left;text-indent:0;
  text-shadow:none;font-style:normal;font-weight:400;font-variant:normal;white-space:normal;direction:ltr;
  visibility:visible;cursor:auto;list-style:disc outside none}
*{box-sizing:border-box}
.frame{border:1px solid var(--c-border);border-radius:8px;background:var(--c-bg);color:var(--c-fg);overflow:hidden;position:relative;display:flex;flex-direction:column;height:100%}
.frame.bare{border:0;border-radius:0}
.head{display:flex;align-items:baseline;flex-wrap:wrap;gap:.25em .6em;padding:.5em .8em;border-bottom:1px solid var(--c-border);background:var(--c-subtle)}
.title{font-weight:600;font-size:15px;margin:0;letter-spacing:.005em}
.resource{color:var(--c-fg);font-family:var(--mono);font-size:13px;opacity:.85}
.caption{margin-left:auto;color:var(--c-muted);font-size:12px;font-variant-numeric:tabular-nums}
.controls{display:flex;gap:.35em;padding:.45em .8em;border-bottom:1px solid var(--c-border)}
.controls input{flex:1;min-width:6em}
input,select{font:13px var(--mono);color:var(--c-fg);background:var(--c-bg);border:1px solid var(--c-border);border-radius:5px;padding:.25em .5em}
select{font-family:inherit}
input:focus-visible,select:focus-visible{outline:2px solid var(--c-accent);outline-offset:0}
.btn{font:inherit;font-size:12.5px;color:var(--c-fg);background:var(--c-subtle);border:1px solid var(--c-border);border-radius:5px;padding:.2em .7em;cursor:pointer;white-space:nowrap}
.btn:hover{border-color:var(--c-muted)}
.btn.primary{background:var(--c-accent);border-color:var(--c-accent);color:var(--c-bg)}
.body{position:relative;padding:.7em .8em;min-height:3.5em;overflow-x:auto;flex:1}
.bar{display:flex;flex-wrap:wrap;gap:.15em;padding:.25em .5em;border-top:1px solid var(--c-border);font-size:12px;background:var(--c-bg)}
.bar button{font:inherit;color:var(--c-muted);background:none;border:1px solid transparent;border-radius:4px;padding:.15em .55em;cursor:pointer;text-transform:capitalize}
.bar button:hover{color:var(--c-accent)}
.bar button[aria-expanded=true]{border-color:var(--c-border);background:var(--c-subtle);color:var(--c-fg)}
.bar .brand{margin-left:auto;color:var(--c-muted);padding:.15em .3em;opacity:.8}
button:focus-visible,a:focus-visible,th:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:2px solid var(--c-accent);outline-offset:1px}
.panel{padding:.55em .8em .7em;border-top:1px dashed var(--c-border);font-size:13px;color:var(--c-fg);background:var(--c-bg)}
.panel p{margin:.2em 0 .5em}.panel ul{margin:.2em 0;padding-left:1.2em}.panel li{word-break:break-all}
.panel textarea{width:100%;min-height:6em;font:12px var(--mono);color:var(--c-fg);background:var(--c-subtle);border:1px solid var(--c-border);border-radius:5px;padding:.4em;resize:vertical}
.panel .info{white-space:pre-line;max-width:75ch}
a{color:var(--c-accent);text-decoration:none}a:hover{text-decoration:underline}
.muted{color:var(--c-muted)}.mono{font-family:var(--mono);font-size:.93em}.bad{color:var(--c-bad)}.warn{color:var(--c-warn)}.ok{color:var(--c-ok)}
.small{font-size:12px}.nowrap{white-space:nowrap}
.error{color:var(--c-bad);white-space:pre-wrap;display:flex;gap:.8em;align-items:baseline;flex-wrap:wrap}
.empty{color:var(--c-muted);padding:1.2em .2em;text-align:center}
.loading{color:var(--c-muted);display:flex;align-items:center;gap:.6em;padding:.6em 0}
.spin{width:14px;height:14px;border:2px solid var(--c-border);border-top-color:var(--c-accent);border-radius:50%;animation:spin .8s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.spin{animation:none}}
.notes{list-style:none;margin:0;padding:.35em .8em .45em;font-size:12px;color:var(--c-muted);border-top:1px solid var(--c-border)}
.notes li{position:relative;padding-left:1em}.notes li::before{content:"";position:absolute;left:.15em;top:.55em;width:5px;height:5px;border-radius:50%;background:currentColor;opacity:.6}
.notes li.warning{color:var(--c-warn)}
.scroll{max-height:440px;overflow:auto}
.scroll thead th{position:sticky;top:0;background:var(--c-bg);z-index:1;box-shadow:inset 0 -1px 0 var(--c-border)}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:.3em .55em;border-bottom:1px solid var(--c-border);vertical-align:top}
th{font-weight:600;color:var(--c-muted);white-space:nowrap;user-select:none;font-size:12px}
th[data-sort]{cursor:pointer}th[data-sort]:hover{color:var(--c-fg)}
th[aria-sort=ascending]::after{content:" ▲";font-size:9px}th[aria-sort=descending]::after{content:" ▼";font-size:9px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover{background:var(--c-subtle)}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.2em;margin:0}.kv dt{color:var(--c-muted)}.kv dd{margin:0;min-width:0;overflow-wrap:anywhere}
.pill{display:inline-block;padding:0 .55em;border-radius:9px;font-size:11.5px;line-height:1.6;border:1px solid currentColor;white-space:nowrap;font-weight:500}
.pill.solid{border-color:transparent;color:#fff}
.chip{display:inline-block;width:.75em;height:.75em;border-radius:2px;vertical-align:baseline;margin-right:.35em}
.sev-critical{color:var(--c-bg);background:var(--c-bad);border-color:var(--c-bad)}
.sev-high{color:var(--c-bad)}.sev-warning{color:var(--c-warn)}.sev-info{color:var(--c-muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:.6em}
.card{border:1px solid var(--c-border);border-radius:6px;padding:.5em .7em;min-width:0}
.card h3{margin:0 0 .25em;font-size:11.5px;font-weight:600;color:var(--c-muted);text-transform:uppercase;letter-spacing:.04em}
.card .big{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums;line-height:1.25}
.card .sub{font-size:12px;color:var(--c-muted);overflow-wrap:anywhere}
.meter{height:6px;border-radius:3px;background:var(--c-track);overflow:hidden;margin:.35em 0 .15em}
.meter>span{display:block;height:100%;background:var(--c-accent);border-radius:3px}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:.4em .8em;margin:0 0 .5em;font-size:12.5px;color:var(--c-muted)}
.toolbar label{display:inline-flex;align-items:center;gap:.35em}
.toolbar .grow{flex:1}
.legend{display:flex;flex-wrap:wrap;gap:.2em 1em;font-size:12px;color:var(--c-muted)}
details{border:1px solid var(--c-border);border-radius:6px;margin:.5em 0}
details>summary{cursor:pointer;padding:.4em .7em;background:var(--c-subtle);border-radius:6px;list-style-position:inside}
details[open]>summary{border-bottom:1px solid var(--c-border);border-radius:6px 6px 0 0}
details>.inner{padding:.3em .4em}
h4{margin:.8em 0 .3em;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--c-muted)}
.chart{position:relative}
.chart svg{display:block;overflow:visible;max-width:100%}
svg text{fill:var(--c-fg);font-size:11px;font-family:inherit}
svg .lbl{font-family:var(--mono);font-size:11px}
.axis path,.axis line{stroke:var(--c-border)}.axis text{fill:var(--c-muted);font-variant-numeric:tabular-nums}
.grid line{stroke:var(--c-border);stroke-opacity:.6;stroke-dasharray:2 3}.grid path{display:none}
.brush .selection{fill:var(--c-accent);fill-opacity:.15;stroke:var(--c-accent)}
.tip{position:absolute;pointer-events:none;z-index:5;background:var(--c-bg);color:var(--c-fg);border:1px solid var(--c-border);border-radius:6px;
  box-shadow:var(--shadow);padding:.4em .6em;font-size:12px;line-height:1.4;max-width:340px;white-space:normal}
.tip b{font-weight:600}.tip .row{display:flex;justify-content:space-between;gap:1em}
.aspath{font-family:var(--mono);font-size:12px;white-space:nowrap}
.aspath .o{font-weight:700}
`;
