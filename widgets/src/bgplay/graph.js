// BGPlay's graph: the SVG of ASes (g.node[data-asn]), collector peers
// (g.peer[data-source]) and AS links (path.edge, one per link and origin,
// coloured by origin), at the fixed positions of layout.js. Edges for the
// whole window are created once; moving in time only toggles the edges and
// nodes the event diffs touched (CSS transitions animate them). Pan and
// zoom with d3-zoom (Ctrl+wheel, drag, buttons), move nodes with d3-drag.
import { collectorName } from '../core/fmt.js';
import { select, drag as d3drag, zoom as d3zoom, zoomIdentity, line, curveCatmullRom } from '../core/d3.js';
import { h } from '../core/dom.js';
import { originColor } from './colors.js';

const edgeWidth = (c) => (c <= 0 ? 0 : Math.min(8, 1.3 + 1.5 * Math.sqrt(c - 1)));
const hlLine = line().x((n) => n.x).y((n) => n.y).curve(curveCatmullRom.alpha(0.5));
const asLabel = (n) => (n.origin ? `AS${n.asn}` : n.asn);

/**
 * Graph draws a model's union graph (its element: el); sync() applies a
 * State's changes, highlight(ev) marks an event's new and old paths.
 */
export class Graph {
  constructor(model, state) {
    this.m = model; this.s = state;
    this.w = 900; this.h = 480; this.k = 1; this.userZoomed = false; this.sx = 1;
    this.edgeOn = new Uint8Array(model.edges.length);
    this.nodeOn = new Uint8Array(model.nodes.length);
    this.build();
  }

  // build creates the SVG: every edge and node of the window, once.
  build() {
    const m = this.m;
    this.svg = h('svg:svg', { class: 'bgplay-graph', role: 'img', 'aria-label': 'AS paths from the collector peers to the origins', viewBox: `0 0 ${this.w} ${this.h}` });
    // the current event's paths live in an SVG of their own under the graph
    // (its own compositor layer: animating them repaints nothing else)
    this.hlSvg = h('svg:svg', { class: 'bgplay-hl', 'aria-hidden': 'true', viewBox: `0 0 ${this.w} ${this.h}` });
    this.tip = h('div', { class: 'bgplay-tip', hidden: true, role: 'tooltip' });
    const btn = (label, title, fn) => h('button', { type: 'button', title, 'aria-label': title, onclick: fn }, label);
    this.zoomBar = h('div', { class: 'bgplay-zoombar' },
      btn('+', 'Zoom in', () => this.zoomBy(1.5)), btn('−', 'Zoom out', () => this.zoomBy(1 / 1.5)), btn('⤢', 'Fit the graph', () => this.fit(true)));
    this.el = h('div', { class: 'bgplay-graph-wrap' }, this.hlSvg, this.svg, this.zoomBar, this.tip,
      h('div', { class: 'bgplay-hint muted' }, 'Drag to pan · Ctrl+scroll to zoom · drag nodes to move them'));

    const svg = select(this.svg);
    this.stretch(false);
    this.view = svg.append('g').attr('class', 'viewport');
    // pairs drawn by several origins are fanned out: each origin its own curve
    const fan = new Map();
    for (const e of m.edges) {
      const k = `${e.a}-${e.b}`;
      if (!fan.has(k)) fan.set(k, []);
      fan.get(k).push(e.i);
    }
    for (const list of fan.values()) list.forEach((ei, j) => { m.edges[ei].bend = list.length > 1 ? (j - (list.length - 1) / 2) * 9 : 0; });

    this.edgeSel = this.view.append('g').attr('class', 'edges').selectAll('path').data(m.edges).join('path')
      .attr('class', (e) => `edge off o${e.origin}${e.peer ? ' peer-edge' : ''}`)
      .attr('stroke', (e) => originColor(e.origin))
      .attr('d', (e) => this.edgePath(e));
    this.edgeEls = this.edgeSel.nodes();
    this.hl = select(this.hlSvg).append('g').attr('class', 'hl');
    this.hlOld = this.hl.append('path').attr('class', 'hl-old');
    this.hlNew = this.hl.append('path').attr('class', 'hl-new').attr('pathLength', 1);
    this.hlPeer = this.hl.append('circle').attr('class', 'hl-peer').attr('r', 11);

    const peers = m.nodes.filter((n) => n.type === 'peer');
    const ases = m.nodes.filter((n) => n.type === 'as');
    // label priority: origins, then the ASes on most routes (see cullLabels)
    this.byPriority = ases.slice().sort((a, b) => (b.origin - a.origin) || (b.use - a.use));
    // no transform or opacity per element: each would be a paint chunk of
    // its own, and thousands of them make every frame slow to composite
    this.peerSel = this.view.append('g').attr('class', 'peers').selectAll('g').data(peers).join('g')
      .attr('class', 'peer off').attr('data-source', (n) => n.source);
    this.peerSel.append('rect').attr('rx', 1.5);
    this.nodeSel = this.view.append('g').attr('class', 'nodes').selectAll('g').data(ases).join('g')
      .attr('class', (n) => `node off${n.origin ? ' origin' : ''}`)
      .attr('data-asn', (n) => n.asn);
    this.nodeSel.append('circle').attr('fill', (n) => (n.origin ? originColor(n.originIdx) : null));
    this.nodeSel.append('text').attr('class', 'asl').text(asLabel);
    this.nodeEls = new Map();
    for (const sel of [this.nodeSel, this.peerSel]) sel.each((n, k, els) => this.nodeEls.set(n.i, els[k]));
    this.gs = 1;
    this.placeAll();

    // hover: tooltip and the node's current routes lit
    const self = this;
    for (const sel of [this.nodeSel, this.peerSel]) {
      sel.on('pointerenter', function (event, n) { self.hover(n, event); })
        .on('pointermove', (event) => this.moveTip(event))
        .on('pointerleave', () => this.hover(null));
      sel.call(d3drag().on('start', function () { self.svg.classList.add('dragging'); select(this).raise(); })
        .on('drag', (event, n) => this.moveNode(n, event.x, event.y))
        .on('end', () => this.svg.classList.remove('dragging')));
    }
    this.zoom = d3zoom().scaleExtent([0.1, 8])
      .filter((event) => (event.type === 'wheel' ? event.ctrlKey || event.metaKey : !event.button))
      .on('zoom', (event) => {
        if (event.sourceEvent) this.userZoomed = true;
        this.applyZoom(event.transform);
      });
    svg.call(this.zoom).on('dblclick.zoom', null);
    this.fit(false);
    this.sync(null, true);
  }

  // place positions node n's shapes (glyphs scaled by gs, see applyZoom).
  place(n) {
    const el = this.nodeEls.get(n.i); const g = this.gs;
    if (n.type === 'peer') {
      const r = el.firstChild; const s = 4 * g;
      r.setAttribute('x', (n.x - s).toFixed(1)); r.setAttribute('y', (n.y - s).toFixed(1));
      r.setAttribute('width', (2 * s).toFixed(1)); r.setAttribute('height', (2 * s).toFixed(1));
      return;
    }
    const c = el.firstChild; const t = el.lastChild;
    c.setAttribute('cx', n.x.toFixed(1)); c.setAttribute('cy', n.y.toFixed(1)); c.setAttribute('r', (n.r * g).toFixed(2));
    // labels below the node; an origin's away from the other origins (above when it sits high)
    const up = n.origin && n.by < -1;
    t.setAttribute('x', n.x.toFixed(1)); t.setAttribute('y', (n.y + (up ? -(n.r + 2) : n.r + 2) * g).toFixed(1));
    t.classList.toggle('up', up);
  }

  placeAll() { for (const n of this.m.nodes) this.place(n); }

  /**
   * cullLabels hides the labels that would overlap a label of higher
   * priority at the current zoom (origins first, then busier ASes), so
   * zooming in shows more of them. Computed over every node of the
   * window, on or off, so that labels do not flicker while playing.
   */
  cullLabels() {
    const ls = 1 / this.k; const g = this.gs; const cell = 48 * ls;
    const grid = new Map(); const boxes = [];
    const hit = (b) => {
      for (let cx = Math.floor(b[0] / cell); cx <= Math.floor(b[2] / cell); cx++) {
        for (let cy = Math.floor(b[1] / cell); cy <= Math.floor(b[3] / cell); cy++) {
          for (const j of grid.get(`${cx},${cy}`) || []) {
            const o = boxes[j];
            if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) return true;
          }
        }
      }
      return false;
    };
    const add = (b) => {
      boxes.push(b);
      for (let cx = Math.floor(b[0] / cell); cx <= Math.floor(b[2] / cell); cx++) {
        for (let cy = Math.floor(b[1] / cell); cy <= Math.floor(b[3] / cell); cy++) {
          const k = `${cx},${cy}`;
          if (!grid.has(k)) grid.set(k, []);
          grid.get(k).push(boxes.length - 1);
        }
      }
    };
    for (const n of this.byPriority) {
      const text = String(asLabel(n)); const w = (text.length * (n.origin ? 7.6 : 6.7) + 4) * ls; const hh = 13 * ls;
      const up = n.origin && n.by < -1;
      const ty = n.y + (up ? -(n.r + 2) : n.r + 2) * g;
      const b = [n.x - w / 2, up ? ty - hh : ty, n.x + w / 2, up ? ty : ty + hh];
      const show = n.origin || !hit(b);
      if (show) add(b);
      const t = this.nodeEls.get(n.i).lastChild;
      if (t.classList.contains('culled') === show) t.classList.toggle('culled', !show);
    }
  }

  // edgePath is an edge's SVG path: straight, or bent when fanned out.
  edgePath(e) {
    const a = this.m.nodes[e.a]; const b = this.m.nodes[e.b];
    if (!e.bend) return `M${a.x.toFixed(1)},${a.y.toFixed(1)}L${b.x.toFixed(1)},${b.y.toFixed(1)}`;
    const dx = b.x - a.x; const dy = b.y - a.y; const len = Math.hypot(dx, dy) || 1;
    const cx = (a.x + b.x) / 2 - (dy / len) * e.bend * 2; const cy = (a.y + b.y) / 2 + (dx / len) * e.bend * 2;
    return `M${a.x.toFixed(1)},${a.y.toFixed(1)}Q${cx.toFixed(1)},${cy.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
  }

  /** sync redraws what changed: dirty = {edges, nodes} from State.takeDirty(), or everything. */
  sync(dirty, all = false) {
    const s = this.s; const m = this.m;
    const edges = all ? m.edges.map((e) => e.i) : dirty.edges;
    for (const i of edges) {
      const c = s.edgeCount[i]; const el = this.edgeEls[i];
      const on = c > 0 ? 1 : 0;
      if (on !== this.edgeOn[i] || all) { el.classList.toggle('off', !on); this.edgeOn[i] = on; }
      if (on) el.style.strokeWidth = `${m.edges[i].peer ? 1 : edgeWidth(c)}px`;
    }
    const nodes = all ? m.nodes.map((n) => n.i) : dirty.nodes;
    for (const i of nodes) {
      const on = s.nodeCount[i] > 0 ? 1 : 0; const el = this.nodeEls.get(i);
      if (on !== this.nodeOn[i] || all) { el.classList.toggle('off', !on); this.nodeOn[i] = on; }
      if (m.nodes[i].type === 'peer') {
        const os = s.peerOrigins(i);
        // a peer takes the colour of the origin it routes to (no route: hollow, by CSS)
        el.firstChild.style.fill = os.length === 1 ? originColor(os[0]) : os.length ? 'var(--c-fg)' : '';
      }
    }
  }

  /** highlight marks event ev's new path (drawn in) and old path (dashed); null clears. */
  highlight(ev, animate = false) {
    this.ev = ev;
    const pts = (seq) => (seq ? seq.map((i) => this.m.nodes[i]) : null);
    const nw = ev && pts(ev.seqNew); const old = ev && ev.kind !== 'same' && pts(ev.seqOld);
    this.hlNew.attr('d', nw ? hlLine(nw) : null).attr('stroke', nw ? originColor(ev.origin) : null);
    this.hlOld.attr('d', old ? hlLine(old) : null).classed('withdrawn', !!(ev && ev.type === 'W'));
    const p = ev ? this.m.nodes[ev.peer] : null;
    this.hlPeer.attr('cx', p ? p.x : 0).attr('cy', p ? p.y : 0).attr('display', p ? null : 'none');
    if (!animate || !ev) return;
    // Web Animations: no reflow needed to restart them
    const dur = this.dur || 400;
    if (nw) this.hlNew.node().animate([{ strokeDashoffset: 1 }, { strokeDashoffset: 0 }], { duration: dur * 1.2, easing: 'ease-out' });
    if (p && dur > 100) this.hlPeer.node().animate([{ r: '4px', strokeOpacity: 1 }, { r: '22px', strokeOpacity: 0 }], { duration: dur * 1.5, easing: 'ease-out' });
  }

  /** setFocusOrigin dims every edge but origin o's (null: none). */
  setFocusOrigin(o) {
    if (o === null || o === undefined) this.svg.removeAttribute('data-focus-origin');
    else this.svg.setAttribute('data-focus-origin', String(o));
  }

  // hover shows node n's tooltip and lights its current edges (null: off).
  hover(n, event) {
    if (this.lit) { for (const el of this.lit) el.classList.remove('lit'); this.lit = null; }
    this.svg.classList.toggle('focus', !!n);
    if (!n) { this.tip.hidden = true; return; }
    this.lit = [];
    for (const ei of this.m.adj[n.i]) if (this.s.edgeCount[ei] > 0) { const el = this.edgeEls[ei]; el.classList.add('lit'); this.lit.push(el); }
    const s = this.s; const routes = s.nodeCount[n.i];
    const lines = [];
    if (n.type === 'peer') {
      const os = s.peerOrigins(n.i).map((o) => `AS${this.m.origins[o].asn}`);
      lines.push(h('b', null, `Peer ${n.ip}`), h('div', null, `collector ${n.rrc ? collectorName(n.rrc) : '?'} · AS${n.asn}${n.owner ? ` ${n.owner}` : ''}`),
        h('div', { class: 'muted' }, routes ? `${routes} route${routes > 1 ? 's' : ''} now, to ${os.join(', ')}` : 'no route now'));
    } else {
      lines.push(h('b', null, `AS${n.asn}`), h('div', null, n.owner || '(no name known)'),
        h('div', { class: 'muted' }, `${n.origin ? 'origin · ' : ''}${routes ? `on ${routes} current route${routes > 1 ? 's' : ''}` : 'on no current route'}`));
    }
    this.tip.replaceChildren(...lines);
    this.tip.hidden = false;
    this.moveTip(event);
  }

  // moveTip keeps the tooltip next to the pointer, inside the graph.
  moveTip(event) {
    if (this.tip.hidden || !event) return;
    const r = this.el.getBoundingClientRect();
    const x = event.clientX - r.left; const y = event.clientY - r.top;
    this.tip.style.left = `${Math.min(x + 14, r.width - 230)}px`;
    this.tip.style.top = `${y + 14 > r.height - 80 ? y - 74 : y + 14}px`;
  }

  // moveNode moves node n (dragged) with its edges.
  moveNode(n, x, y) {
    n.x = x; n.y = y; n.bx = x / this.sx; n.by = y;
    this.place(n);
    for (const ei of this.m.adj[n.i]) this.edgeEls[ei].setAttribute('d', this.edgePath(this.m.edges[ei]));
    if (this.ev) this.highlight(this.ev);
  }

  // applyZoom applies zoom transform t (glyph and label sizes follow).
  applyZoom(t) {
    this.t = t; this.k = t.k;
    this.view.attr('transform', t.toString());
    this.hl.attr('transform', t.toString());
    // glyphs grow/shrink slower than the layout (redrawn once per frame),
    // labels keep their size on screen
    const gs = Math.max(0.55, Math.min(1.5, Math.sqrt(t.k))) / t.k;
    this.svg.style.setProperty('--ls', (1 / t.k).toFixed(4));
    if (Math.abs(gs - this.gs) / this.gs > 0.02 && !this.zoomRaf) {
      this.zoomRaf = requestAnimationFrame(() => { this.zoomRaf = 0; this.gs = Math.max(0.55, Math.min(1.5, Math.sqrt(this.k))) / this.k; this.placeAll(); });
    }
    if (!this.cullRaf) this.cullRaf = requestAnimationFrame(() => { this.cullRaf = 0; this.cullLabels(); });
  }

  /** fit zooms to show the whole graph; reset forgets that the user zoomed. */
  fit(reset) {
    const ns = this.m.nodes;
    if (!ns.length) return;
    let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
    for (const n of ns) { x0 = Math.min(x0, n.x - n.r); x1 = Math.max(x1, n.x + n.r); y0 = Math.min(y0, n.y - n.r); y1 = Math.max(y1, n.y + n.r + 14); }
    const pad = 24;
    // keep clear of the legend in the top left corner when there is room
    const left = this.w > 640 ? Math.min(this.inset || 0, this.w * 0.3) : 0;
    const k = Math.max(0.1, Math.min(2, Math.min((this.w - left - 2 * pad) / (x1 - x0 || 1), (this.h - 2 * pad) / (y1 - y0 || 1))));
    this.fitK = k;
    const t = zoomIdentity.translate(left + (this.w - left) / 2 - (k * (x0 + x1)) / 2, this.h / 2 - (k * (y0 + y1)) / 2).scale(k);
    if (reset) this.userZoomed = false;
    select(this.svg).call(this.zoom.transform, t);
  }

  // zoomBy zooms by factor f around the middle.
  zoomBy(f) {
    this.userZoomed = true;
    select(this.svg).call(this.zoom.scaleBy, f, [this.w / 2, this.h / 2]);
  }

  // stretch widens the layout (x only) to the drawing's aspect ratio, so
  // that a round layout uses a wide widget; redraws when redraw is set.
  stretch(redraw, w = this.w) {
    const ns = this.m.nodes;
    if (!ns.length) return;
    let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
    for (const n of ns) { x0 = Math.min(x0, n.bx); x1 = Math.max(x1, n.bx); y0 = Math.min(y0, n.by); y1 = Math.max(y1, n.by); }
    const sx = Math.max(1, Math.min(2.2, ((w / this.h) / ((x1 - x0 + 60) / (y1 - y0 + 60))) * 0.9));
    if (Math.abs(sx - this.sx) < 0.03) return;
    this.sx = sx;
    for (const n of ns) { n.x = n.bx * sx; n.y = n.by; }
    if (!redraw) return;
    this.placeAll();
    for (const e of this.m.edges) this.edgeEls[e.i].setAttribute('d', this.edgePath(e));
    if (this.ev) this.highlight(this.ev);
  }

  /**
   * resize adopts the drawn size (px) as the SVG's coordinate system and
   * refits unless zoomed by hand; inset is the width the legend covers.
   */
  resize(w, h, inset = this.inset) {
    if (!w || !h || (Math.abs(w - this.w) < 1 && Math.abs(h - this.h) < 1 && inset === this.inset)) return;
    this.w = w; this.h = h; this.inset = inset;
    this.svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    this.hlSvg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    this.zoom.extent([[0, 0], [w, h]]);
    if (!this.userZoomed) { this.stretch(true, (w - (w > 640 ? Math.min(inset || 0, w * 0.3) : 0))); this.fit(false); }
  }
}
