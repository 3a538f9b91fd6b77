// BGPlay's CSS (added to the widget's shadow root after core/styles.js):
// colours only through the --c-* variables, so light and dark both work.
export const css = `
.bgplay{--dur:350ms;container-type:inline-size;outline:none;display:flex;flex-direction:column;gap:8px}
.bgplay:focus-visible{outline:2px solid var(--c-accent);outline-offset:3px;border-radius:4px}
.bgplay h3{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--c-muted);margin:0 0 6px}
.bgplay h3 .muted{text-transform:none;letter-spacing:0;font-weight:400}
.bgplay-top{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;font-size:13px}
.bgplay-top .summary{color:var(--c-muted);flex:1 1 auto}
.bgplay-top .summary b{color:var(--c-fg);font-weight:600}
.bgplay-top label{display:inline-flex;align-items:center;gap:6px;white-space:nowrap}
.bgplay select,.bgplay input[type=checkbox]{accent-color:var(--c-accent)}
.bgplay select{font:inherit;font-size:13px;color:var(--c-fg);background:var(--c-bg);border:1px solid var(--c-border);border-radius:4px;padding:2px 4px}
.bgplay-main{display:grid;grid-template-columns:minmax(0,1fr) 330px;gap:10px;height:var(--rs-bgplay-height,clamp(400px,56vh,660px))}
@container (max-width:780px){.bgplay-main{grid-template-columns:1fr;height:auto}.bgplay-graph-wrap{height:clamp(300px,60vh,520px)}.bgplay-side{max-height:none}.bgplay-detail{height:auto;max-height:260px}.bgplay-events{flex:none;height:240px}}

/* graph */
.bgplay-graph-wrap{position:relative;min-width:0;min-height:0;border:1px solid var(--c-border);border-radius:6px;background:var(--c-bg);overflow:hidden}
.bgplay-hl{position:absolute;inset:0;display:block;width:100%;height:100%;pointer-events:none;will-change:transform}
.bgplay-graph{position:relative;display:block;width:100%;height:100%;cursor:grab;touch-action:none;user-select:none;--ls:1}
.bgplay-graph:active{cursor:grabbing}
/* no opacity on graph elements (an effect node each): stroke-/fill-opacity only */
.bgplay-graph .edge{fill:none;stroke-linecap:round;vector-effect:non-scaling-stroke;stroke-opacity:.8;pointer-events:none;
  transition:stroke-opacity var(--dur) ease,stroke-width var(--dur) ease,visibility 0s}
.bgplay-graph .edge.peer-edge{stroke-opacity:.45;stroke-dasharray:2 2}
.bgplay-graph .edge.off{stroke-opacity:0;visibility:hidden;transition:stroke-opacity var(--dur) ease,visibility 0s linear var(--dur)}
.bgplay-graph.focus .edge:not(.lit),.bgplay-graph[data-focus-origin] .edge{stroke-opacity:.07}
.bgplay-graph .edge.lit{stroke-opacity:1}
${Array.from({ length: 12 }, (_, k) => `.bgplay-graph[data-focus-origin="${k}"] .edge.o${k}`).join(',')}{stroke-opacity:.95}
.bgplay-graph .node circle{stroke:var(--c-muted);stroke-width:1.5px;vector-effect:non-scaling-stroke;transition:fill-opacity var(--dur),stroke-opacity var(--dur)}
.bgplay-graph .node:not(.origin) circle{fill:var(--c-bg)}
.bgplay-graph .node.origin circle{stroke:var(--c-bg);stroke-width:2.5px}
.bgplay-graph .node,.bgplay-graph .peer{cursor:pointer}
.bgplay-graph .node.off circle{fill-opacity:.2;stroke-opacity:.22}
.bgplay-graph .node.off text,.bgplay-graph .node text.culled{display:none}
.bgplay-graph .node text{font-size:calc(11px * var(--ls));font-variant-numeric:tabular-nums;text-anchor:middle;dominant-baseline:hanging;
  paint-order:stroke;stroke:var(--c-bg);stroke-width:calc(3px * var(--ls));stroke-linejoin:round;pointer-events:none}
.bgplay-graph .node.origin text{font-weight:700;font-size:calc(12px * var(--ls))}
.bgplay-graph .node text.up{dominant-baseline:auto}
.bgplay-graph .peer rect{stroke:var(--c-bg);stroke-width:1px;vector-effect:non-scaling-stroke;transition:fill var(--dur)}
.bgplay-graph .peer rect{fill:var(--c-muted)}
.bgplay-graph .peer.off rect{fill:none;stroke:var(--c-muted);stroke-opacity:.45}
.bgplay-hl path{fill:none;stroke-linecap:round;stroke-linejoin:round;vector-effect:non-scaling-stroke;pointer-events:none}
.bgplay-hl .hl-new{stroke-width:7px;stroke-opacity:.38;stroke-dasharray:1 1}
.bgplay-hl .hl-old{stroke:var(--c-muted);stroke-width:2.5px;stroke-dasharray:5 4;stroke-opacity:.9}
.bgplay-hl .hl-old.withdrawn{stroke:var(--c-bad)}
.bgplay-hl .hl-peer{fill:none;stroke:var(--c-accent);stroke-width:2px;vector-effect:non-scaling-stroke;stroke-opacity:0;pointer-events:none}
.bgplay-graph.dragging{cursor:grabbing}
.bgplay-zoombar{position:absolute;top:8px;right:8px;display:flex;flex-direction:column;gap:2px}
.bgplay-zoombar button{width:28px;height:28px;font:15px/1 inherit;color:var(--c-fg);background:var(--c-bg);border:1px solid var(--c-border);border-radius:4px;cursor:pointer}
.bgplay-zoombar button:hover{background:var(--c-subtle)}
.bgplay-hint{position:absolute;left:8px;bottom:6px;font-size:11px;pointer-events:none}
.bgplay-tip{position:absolute;z-index:2;max-width:240px;padding:6px 9px;font-size:12px;line-height:1.4;color:var(--c-fg);background:var(--c-bg);
  border:1px solid var(--c-border);border-radius:5px;box-shadow:0 4px 14px rgba(0,0,0,.18);pointer-events:none;overflow-wrap:anywhere}
.bgplay-tip[hidden]{display:none}

/* side panel */
.bgplay-side{display:flex;flex-direction:column;gap:8px;min-height:0;min-width:0;overflow:hidden}
.bgplay-legend{position:absolute;top:8px;left:8px;max-width:min(300px,45%);max-height:calc(100% - 40px);overflow:auto;padding:6px 8px;
  background:color-mix(in srgb,var(--c-bg) 88%,transparent);border:1px solid var(--c-border);border-radius:6px}
.bgplay-legend ul{list-style:none;margin:0;padding:0}
.bgplay-legend li{display:grid;grid-template-columns:12px auto minmax(0,1fr) auto;align-items:center;gap:6px;padding:2px 4px;border-radius:4px;font-size:13px;cursor:default}
.bgplay-legend li:hover,.bgplay-legend li:focus-visible{background:var(--c-subtle)}
.bgplay-legend li.idle{opacity:.55}
.bgplay-legend .asn{font-family:var(--mono);font-weight:600}
.bgplay-legend .owner{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:12px}
.bgplay-legend .num{font-variant-numeric:tabular-nums;font-size:12px;white-space:nowrap}
.bgplay .sw{display:inline-block;width:10px;height:10px;border-radius:50%;flex:none}
.bgplay-moas{margin-top:6px;padding:4px 8px;border-radius:4px;font-size:12px;color:var(--c-warn);border:1px solid var(--c-warn)}
.bgplay-moas[hidden]{display:none}
.bgplay-legend .keys{display:flex;gap:10px;margin-top:6px;font-size:11px}
.bgplay-legend .keys>span{display:inline-flex;align-items:center;gap:4px}
.k-origin,.k-as,.k-peer{display:inline-block;border:1.5px solid var(--c-muted)}
.k-origin{width:12px;height:12px;border-radius:50%;background:var(--c-muted);border-color:var(--c-muted)}
.k-as{width:9px;height:9px;border-radius:50%}
.k-peer{width:7px;height:7px;border-radius:1px;background:var(--c-muted)}
.bgplay-detail{font-size:13px;height:212px;flex:none;overflow:auto}
.bgplay-detail .owner{font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bgplay-detail h3{display:flex;align-items:baseline;gap:4px;text-transform:none;letter-spacing:0;font-size:13px}
.bgplay-detail .kind{font-weight:700}
.bgplay-detail .kind.ann{color:var(--c-accent)}.bgplay-detail .kind.wd{color:var(--c-bad)}.bgplay-detail .kind.same{color:var(--c-muted)}
.bgplay-detail p{margin:0 0 6px}
.bgplay-prefixes{display:grid;grid-template-columns:auto auto 1fr;gap:2px 12px;align-items:center;margin:2px 0 8px;font-size:12px}
.bgplay-prefixes .hd{color:var(--c-muted);font-weight:600}.bgplay-prefixes .num{text-align:right;font-variant-numeric:tabular-nums}.bgplay-prefixes .more{grid-column:1/-1}
.bgplay-detail .kv{gap:3px 10px;margin:0}
.bgplay-detail dd{min-width:0;overflow-wrap:anywhere}
.bgplay .hop{display:inline-block;padding:0 4px;margin:1px 2px 1px 0;border:1px solid var(--c-border);border-radius:3px;font:12px/1.45 var(--mono);color:var(--c-fg);overflow-wrap:normal}
.bgplay a.hop:hover{border-color:var(--c-accent);text-decoration:none}
.bgplay .hop.orig{font-weight:700}
.bgplay .hop.comm{color:var(--c-muted)}
.bgplay-list{display:flex;flex-direction:column;min-height:0;flex:1 1 0;border-top:1px solid var(--c-border);padding-top:8px}
.bgplay-events .rows{list-style:none;margin:0;padding:0}
.bgplay-events{overflow:auto;overflow-anchor:none;contain:strict;will-change:scroll-position;flex:1 1 0;min-height:0;border:1px solid var(--c-border);border-radius:4px;font-size:12px}
.bgplay-events li{display:grid;grid-template-columns:auto auto minmax(0,1fr);grid-template-rows:17px 17px;align-items:center;column-gap:6px;height:38px;padding:2px 6px;white-space:nowrap;cursor:pointer;border-bottom:1px solid var(--c-border);box-sizing:border-box}
.bgplay-events li:hover{background:var(--c-subtle)}
.bgplay-events li.cur{background:color-mix(in srgb,var(--c-accent) 18%,transparent);box-shadow:inset 3px 0 0 var(--c-accent)}
.bgplay-events.ignore-same li.minor,.bgplay-events.ignore-same li.minor .t,.bgplay-events.ignore-same li.minor .who{color:var(--c-muted)}
.bgplay-events li.minor:not(.cur) .pa{text-decoration:none}
.bgplay-events .t{color:var(--c-muted)}
.bgplay-events .ty{width:2em;font-weight:700;font-size:11px;text-align:center}
.bgplay-events .ty.ann{color:var(--c-accent)}.bgplay-events .ty.wd{color:var(--c-bad)}.bgplay-events .ty.same{color:var(--c-muted)}
.bgplay-events .who{overflow:hidden;text-overflow:ellipsis;color:var(--c-fg)}
.bgplay-events .who .pf{color:var(--c-muted)}
.bgplay-events .pa{grid-column:2/4;min-width:0;overflow:hidden;text-overflow:ellipsis}
.bgplay-events .pa .sw{margin-right:5px;vertical-align:-1px}
.bgplay-events .pa .sw{width:8px;height:8px}

/* controls and timeline */
.bgplay-controls{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px}
.bgplay-controls .btns{display:inline-flex;gap:2px}
.bgplay-controls button{min-width:32px;height:30px;padding:0 8px;font:14px/1 inherit;color:var(--c-fg);background:var(--c-bg);border:1px solid var(--c-border);border-radius:4px;cursor:pointer}
.bgplay-controls button svg{display:block;margin:auto}
.bgplay-controls button:hover{background:var(--c-subtle)}
.bgplay-controls button:disabled{opacity:.4;cursor:default}
.bgplay-controls button[data-action=play],.bgplay-controls button[data-action=pause]{min-width:44px;color:var(--c-bg);background:var(--c-accent);border-color:var(--c-accent)}
.bgplay-controls button[data-action=play]:hover,.bgplay-controls button[data-action=pause]:hover{background:var(--c-accent);filter:brightness(1.1)}
.bgplay-controls label{display:inline-flex;align-items:center;gap:6px;font-size:13px;color:var(--c-muted)}
.bgplay-time{font:600 14px var(--mono);font-variant-numeric:tabular-nums}
.bgplay-pos{font-size:13px;color:var(--c-muted);font-variant-numeric:tabular-nums}
.bgplay-keys{margin-left:auto;font-size:11px;color:var(--c-muted)}
.bgplay-keys kbd{font:11px var(--mono);padding:0 4px;border:1px solid var(--c-border);border-radius:3px}
.bgplay-tl-wrap{border:1px solid var(--c-border);border-radius:6px;background:var(--c-bg);overflow:hidden}
.bgplay-timeline{display:block;width:100%;height:78px;cursor:pointer;touch-action:none;user-select:none}
.bgplay-timeline .hist .ann,.bgplay-timeline .rug .ann{fill:var(--c-accent);stroke:var(--c-accent)}
.bgplay-timeline .hist .wd,.bgplay-timeline .rug .wd{fill:var(--c-bad);stroke:var(--c-bad)}
.bgplay-timeline .hist .same,.bgplay-timeline .rug .same{fill:var(--c-muted);stroke:var(--c-muted);fill-opacity:.55;stroke-opacity:.55}
.bgplay-timeline .hist rect{stroke:none}
.bgplay-timeline .rug line{stroke-width:1px}
.bgplay-timeline .moas rect{fill:var(--c-warn);fill-opacity:.16}
.bgplay-timeline .played{fill:var(--c-accent);fill-opacity:.06;pointer-events:none}
.bgplay-timeline .axis text{font-size:11px}
.bgplay-cursor{cursor:ew-resize;outline:none}
.bgplay-cursor line{stroke:var(--c-fg);stroke-width:1.5px}
.bgplay-cursor .handle{fill:var(--c-fg)}
.bgplay-cursor .grab{fill:transparent}
.bgplay-cursor:focus-visible .handle{fill:var(--c-accent)}
.bgplay-empty{padding:2em 1em;text-align:center;color:var(--c-muted)}
.bgplay-empty button{margin-top:.8em;font:inherit;color:var(--c-accent);background:none;border:1px solid var(--c-accent);border-radius:4px;padding:.3em .9em;cursor:pointer}
`;
