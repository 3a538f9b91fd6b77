// Colours of origins: the first (the origin most routes start with) is
// blue, the next ones contrast with it — a hijacker's origin is orange.
// Mid-tone colours that read on light and dark backgrounds alike.
const palette = ['#3b82d6', '#ea6a1f', '#2e9e6a', '#a35ee0', '#d93f7a', '#0f9fb0', '#c2950c', '#7d8896', '#6b7bf2', '#b5622f'];

/** originColor returns the colour of origin index i. */
export function originColor(i) {
  if (i < 0) return 'var(--c-muted)';
  if (i < palette.length) return palette[i];
  return `hsl(${Math.round((i * 137.508) % 360)} 62% 52%)`;
}
