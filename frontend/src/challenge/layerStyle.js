// How the map draws the public challenges: the colour says how far each got (open, with the
// operator, resolved); a challenge confirmed by measurements has a dark ring.
import { pointRadius } from '../styles.js';

export const CHALLENGE_PHASE_COLORS = { open: '#e65100', accepted: '#6a1b9a', resolved: '#2e7d32' };

export function challengeStyle(properties, zoom) {
  return {
    radius: pointRadius(zoom, 5),
    color: properties.measured ? '#000' : '#fff',
    weight: properties.measured ? 2.5 : 1.5,
    fillColor: CHALLENGE_PHASE_COLORS[properties.phase] ?? CHALLENGE_PHASE_COLORS.open,
    fillOpacity: 0.9,
  };
}

/** Legend rows ([shape, style, label key or enum]) of the layer. */
export const challengeLegend = () => Object.keys(CHALLENGE_PHASE_COLORS).map((phase) => ['circle',
  challengeStyle({ phase }, 13), ['challenge_phase', phase]]);
