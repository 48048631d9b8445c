import {soundDesign as D} from './sound-design.ts';

/** Motion energy → noise level 0–1, logarithmic between `motionFloor` and `motionFull`. */
export const motionLevel = (motion: number): number => {
  if (!(motion > D.motionFloor)) return 0;
  return Math.min(1, Math.log(motion / D.motionFloor) / Math.log(D.motionFull / D.motionFloor));
};
