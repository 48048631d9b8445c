import {soundDesign as D} from './sound-design.ts';

/** Soft clipper: identity up to the knee, then a tanh curve that approaches but never reaches the ceiling.
 * Its slope is at most 1, so it never makes a step between two samples larger. */
export const softClip = (x: number): number => {
  const a = Math.abs(x);
  if (a <= D.clipKnee) return x;
  const room = D.ceiling - D.clipKnee;
  const y = D.clipKnee + room * Math.tanh((a - D.clipKnee) / room);
  return x < 0 ? -y : y;
};
