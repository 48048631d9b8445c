/**
 * The event timeline of the `mmaudio-demo` composition, as data: the composition draws from it, and tests
 * check generated audio against it (louder at impacts and whooshes than in the still passages).
 *
 * Frames are composition frames at 30 fps. Pure data, no React.
 */
export const DEMO_FPS = 30;
export const DEMO_DURATION_IN_FRAMES = 120 * DEMO_FPS;
export const DEMO_WIDTH = 1280;
export const DEMO_HEIGHT = 720;

/** First frame of each scene; the change of scene is a hard cut. */
export const demoSceneStarts: number[] = [0, 1200, 2400];

/** Frames an object falls before it lands (the impact is the landing frame). */
export const FALL_FRAMES = 18;
/** Frames of squash and shock ring after a landing or a collision. */
export const SETTLE_FRAMES = 10;
/** Frames a fast object takes to cross the frame; the whoosh is its middle frame. */
export const PASS_FRAMES = 16;
/** Frames two blocks slide before they collide (the impact is the meeting frame). */
export const SLIDE_FRAMES = 15;

export type DemoDrop = {
  /** Landing frame: the impact. */
  frame: number;
  /** Horizontal centre, px. */
  x: number;
  color: string;
};

export type DemoPass = {
  /** Frame at which the object crosses the centre: the whoosh. */
  frame: number;
  /** Vertical centre, px. */
  y: number;
  direction: 1 | -1;
  color: string;
};

export type DemoCollision = {
  /** Frame at which the two blocks meet: the impact. */
  frame: number;
  y: number;
  color: string;
};

const ballColors = ['#ff6b6b', '#ffd166', '#06d6a0', '#4cc9f0', '#f72585'];
// Landing frames of the balls in scene 1, with two still passages between the groups.
const ballFrames = [90, 150, 210, 240, 270, 510, 540, 600, 660, 720, 990, 1020, 1050, 1080, 1110];
// Spread over the floor so no ball lands on another.
const ballSlots = [7, 2, 11, 4, 13, 0, 9, 5, 14, 1, 10, 3, 12, 6, 8];

/** Scene 1: balls dropping onto a floor. */
export const demoBalls: DemoDrop[] = ballFrames.map((frame, i) => ({
  frame,
  x: 90 + ballSlots[i] * 78,
  color: ballColors[i % ballColors.length],
}));

/** Scene 2: fast bars crossing the frame. */
export const demoPasses: DemoPass[] = [
  {frame: 1260, y: 150, direction: 1, color: '#f1faee'},
  {frame: 1320, y: 420, direction: -1, color: '#a8dadc'},
  {frame: 1350, y: 260, direction: 1, color: '#f1faee'},
  {frame: 1380, y: 560, direction: -1, color: '#ffd166'},
  {frame: 1830, y: 120, direction: 1, color: '#f1faee'},
  {frame: 1845, y: 620, direction: -1, color: '#a8dadc'},
  {frame: 1860, y: 300, direction: 1, color: '#ffd166'},
  {frame: 1875, y: 460, direction: -1, color: '#f1faee'},
  {frame: 2250, y: 140, direction: 1, color: '#a8dadc'},
  {frame: 2280, y: 640, direction: -1, color: '#f1faee'},
  {frame: 2310, y: 380, direction: 1, color: '#ffd166'},
  // Scene 3: two birds' streaks over the finished stack.
  {frame: 3240, y: 110, direction: -1, color: '#fff3e0'},
  {frame: 3270, y: 170, direction: 1, color: '#fff3e0'},
];

/** Scene 2: pairs of blocks sliding in from both sides and colliding in the middle. */
export const demoCollisions: DemoCollision[] = [
  {frame: 1680, y: 210, color: '#e76f51'},
  {frame: 1770, y: 360, color: '#2a9d8f'},
  {frame: 2190, y: 510, color: '#e9c46a'},
];

/** Scene 3: blocks dropped onto a stack, then one big block slammed down beside it. */
export const demoStackDrops: DemoDrop[] = [2700, 2760, 2820, 2880, 2940].map((frame, i) => ({
  frame,
  x: 520,
  color: ['#264653', '#2a9d8f', '#e9c46a', '#f4a261', '#e76f51'][i],
}));
export const demoSlam: DemoDrop = {frame: 3330, x: 860, color: '#3d0c11'};

/**
 * Frame ranges `[from, to)` in which nothing on screen moves: generated sound should be quiet there.
 * Every range keeps a margin of at least 10 frames from any motion.
 */
export const demoStillRanges: [number, number][] = [
  [300, 480],
  [780, 960],
  [1440, 1620],
  [1950, 2130],
  [2430, 2640],
  [3000, 3210],
  [3420, 3600],
];

export type DemoEventKind = 'impact' | 'cut' | 'whoosh';
export type DemoEvent = {frame: number; kind: DemoEventKind};

/** Every audible event, sorted by frame: landings and collisions, fast passes, scene cuts. */
export const demoEvents: DemoEvent[] = [
  ...demoBalls.map((d) => ({frame: d.frame, kind: 'impact' as const})),
  ...demoCollisions.map((c) => ({frame: c.frame, kind: 'impact' as const})),
  ...demoStackDrops.map((d) => ({frame: d.frame, kind: 'impact' as const})),
  {frame: demoSlam.frame, kind: 'impact' as const},
  ...demoPasses.map((p) => ({frame: p.frame, kind: 'whoosh' as const})),
  ...demoSceneStarts.slice(1).map((frame) => ({frame, kind: 'cut' as const})),
].sort((a, b) => a.frame - b.frame);

/** Frames over which the title fades in at the start. */
export const TITLE_FADE_FRAMES = 20;

/** Frame ranges `[from, to)` in which something moves, derived from the data above. */
export const demoMotionRanges = (): [number, number][] => [
  [0, TITLE_FADE_FRAMES],
  ...[...demoBalls, ...demoStackDrops, demoSlam].map((d): [number, number] => [
    d.frame - FALL_FRAMES,
    d.frame + SETTLE_FRAMES,
  ]),
  ...demoCollisions.map((c): [number, number] => [c.frame - SLIDE_FRAMES, c.frame + SETTLE_FRAMES]),
  ...demoPasses.map((p): [number, number] => [p.frame - PASS_FRAMES / 2, p.frame + PASS_FRAMES / 2]),
];
