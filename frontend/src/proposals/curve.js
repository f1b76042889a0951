// The set-covering curve as a small SVG: share of the uncovered people (and hamlets) covered
// after 1, 2, … sites, the chosen K marked.
const NS = 'http://www.w3.org/2000/svg';
const W = 280;
const H = 120;
const PAD = 36; // room for the axis labels

function node(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return el;
}

/** An <svg> of `curve` ([{sites, people_share, hamlets_share}]) with K marked; `label` names it. */
export function curveSvg(curve, k, label) {
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': label, id: 'hg-prop-curve' });
  const n = Math.max(curve.length, 1);
  const x = (sites) => PAD + ((W - 2 * PAD) * sites) / n;
  const y = (share) => H - PAD - (H - 2 * PAD) * (share ?? 0);
  svg.append(node('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, class: 'hg-curve-axis' }));
  svg.append(node('line', { x1: PAD, y1: PAD, x2: PAD, y2: H - PAD, class: 'hg-curve-axis' }));
  for (const [key, cls] of [['people_share', 'hg-curve-people'], ['hamlets_share', 'hg-curve-hamlets']]) {
    const points = [[x(0), y(0)], ...curve.map((p) => [x(p.sites), y(p[key])])];
    svg.append(node('polyline', { points: points.map((p) => p.join(',')).join(' '), class: cls }));
  }
  const kx = x(Math.min(k, n));
  svg.append(node('line', { x1: kx, y1: PAD, x2: kx, y2: H - PAD, class: 'hg-curve-k' }));
  const tick = (text, tx, ty, anchor) => {
    const t = node('text', { x: tx, y: ty, 'text-anchor': anchor, class: 'hg-curve-text' });
    t.textContent = text;
    svg.append(t);
  };
  tick('100 %', PAD - 2, PAD + 4, 'end');
  tick('0', PAD - 2, H - PAD + 4, 'end');
  tick(String(n), W - PAD, H - PAD + 14, 'end');
  const late = kx > W / 2; // the label on the side of the line with room
  tick(`K = ${k}`, late ? kx - 3 : kx + 3, PAD + 10, late ? 'end' : 'start');
  return svg;
}
