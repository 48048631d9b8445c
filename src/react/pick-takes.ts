// pickTakes lives in the browser-safe contract (the Node pipeline uses it too); render.ts still imports it
// from here.
export {pickTakes, segmentTakeSeeds} from '../contract/pick-takes.ts';
