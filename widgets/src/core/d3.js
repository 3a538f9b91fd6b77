// The d3 modules the widgets use, in one place. widgets/src lives outside
// the npm project (web/); the Vite configs resolve these bare "d3-…"
// imports to web/node_modules, and everything else imports d3 from here.
export { select, pointer } from 'd3-selection';
export { scaleLinear, scaleUtc, scaleBand, scaleSqrt } from 'd3-scale';
export { axisBottom, axisLeft } from 'd3-axis';
export { brushX } from 'd3-brush';
export { drag } from 'd3-drag';
export { max, extent, sum } from 'd3-array';
export { utcFormat } from 'd3-time-format';
export { forceSimulation, forceLink, forceManyBody, forceX, forceY, forceCollide, forceRadial, forceCenter } from 'd3-force';
export { zoom, zoomIdentity } from 'd3-zoom';
export { line, curveCatmullRom } from 'd3-shape';
