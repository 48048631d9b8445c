import type {MatrixCase} from './helpers/run-matrix-case.ts';

const bed = (
  player: 'media' | 'html5',
  patch: Partial<{volume: number | 'ramp'; playbackRate: number; loop: boolean}> = {},
) => ({kind: 'bed' as const, player, volume: 0.5, playbackRate: 1, loop: false, ...patch});

/**
 * The composition matrix: a covering set (every value of each dimension at least once, the pairs that
 * matter together) over the frame rate; the composition's own audio (none, music beds across every seam
 * with either player, short sounds ending at / starting at / straddling chunk seams, a video with sound,
 * playback rates, volume functions, loops); where `<GeneratedAudio />` plays (top level, inside a
 * `<Sequence from>`, a volume function, muted, required; every case sets its duration and fps from props in
 * calculateMetadata); and the plan (one segment, seams at cuts, seams with crossfades, shorter than a
 * second). Each case is tiny (160×90, a few seconds, 1–3 s segments).
 *
 * `expectAudio` is what the pipeline must choose: the direct mix only where it is proven equal to
 * Remotion's own audio (a whole number of samples per frame; own audio from `@remotion/media`, or from any
 * player when the frame pass rendered it in one range — see render-frames-once.ts; one top-level
 * constant-volume layer); the audio pass everywhere else.
 */
export const matrixCasesA: MatrixCase[] = [
  {
    name: "24 fps, <Html5Audio> shorts at seams (a user's report, small)",
    fps: 24,
    durationInFrames: 144,
    maxSegmentSeconds: 2,
    ownAudio: [],
    shorts: [
      {player: 'html5', at: 'ends-at-seam'},
      {player: 'html5', at: 'starts-at-seam'},
      {player: 'html5', at: 'straddles-seam'},
    ],
    generated: {required: true},
    // The frame pass renders its chunks in one render: Remotion mixes the <Html5Audio> over the whole
    // range, as its own render does.
    expectAudio: 'direct',
  },
  {
    name: '23.976 fps, @remotion/media bed across seams, <GeneratedAudio> in <Sequence from={12}>',
    fps: 24000 / 1001,
    durationInFrames: 110,
    maxSegmentSeconds: 2,
    ownAudio: [bed('media', {volume: 0.6})],
    generated: {sequenceFrom: 12},
    expectAudio: 'audio-pass',
  },
  {
    name: '25 fps, media bed + media shorts at seams, seams at cuts, volume 0.8',
    fps: 25,
    durationInFrames: 150,
    maxSegmentSeconds: 2,
    seamsAtCuts: true,
    ownAudio: [bed('media', {volume: 0.4})],
    shorts: [
      {player: 'media', at: 'ends-at-seam'},
      {player: 'media', at: 'starts-at-seam'},
      {player: 'media', at: 'straddles-seam'},
    ],
    generated: {volume: 0.8},
    expectAudio: 'direct',
  },
  {
    name: '29.97 fps, <OffthreadVideo> with sound across a seam, volume function',
    fps: 30000 / 1001,
    durationInFrames: 120,
    maxSegmentSeconds: 2,
    ownAudio: [{kind: 'video', from: 20, durationInFrames: 75}],
    generated: {volume: 'ramp'},
    expectAudio: 'audio-pass',
  },
  {
    name: '30 fps, <Html5Audio> bed looping at playbackRate 2 with a volume function, one segment, muted layers',
    fps: 30,
    durationInFrames: 105,
    maxSegmentSeconds: 5,
    ownAudio: [bed('html5', {volume: 'ramp', playbackRate: 2, loop: true})],
    generated: {muted: true},
    // One segment, one render: its own-audio wav is Remotion's mix over the whole composition.
    expectAudio: 'direct',
  },
  {
    name: '2.997 fps, media bed with a volume function, crossfades',
    fps: 2997 / 1000,
    durationInFrames: 24,
    maxSegmentSeconds: 3,
    ownAudio: [bed('media', {volume: 'ramp'})],
    expectAudio: 'audio-pass',
  },
];

export const matrixCasesB: MatrixCase[] = [
  {
    name: '50 fps, media bed at playbackRate 1.5 with loop, seams at cuts, required',
    fps: 50,
    durationInFrames: 200,
    maxSegmentSeconds: 2,
    seamsAtCuts: true,
    ownAudio: [bed('media', {playbackRate: 1.5, loop: true})],
    generated: {required: true},
    expectAudio: 'direct',
  },
  {
    name: '59.94 fps, no own audio, <Sequence from={30}> + volume function',
    fps: 60000 / 1001,
    durationInFrames: 180,
    maxSegmentSeconds: 1,
    ownAudio: [],
    generated: {sequenceFrom: 30, volume: 'ramp'},
    expectAudio: 'audio-pass',
  },
  {
    name: '60 fps, media shorts straddling and ending at seams, crossfades',
    fps: 60,
    durationInFrames: 180,
    maxSegmentSeconds: 1,
    ownAudio: [],
    shorts: [
      {player: 'media', at: 'straddles-seam'},
      {player: 'media', at: 'ends-at-seam'},
    ],
    expectAudio: 'direct',
  },
  {
    name: '60 fps, media bed with a volume function and media shorts at seams',
    fps: 60,
    durationInFrames: 150,
    maxSegmentSeconds: 1,
    ownAudio: [bed('media', {volume: 'ramp'})],
    shorts: [{player: 'media', at: 'starts-at-seam'}],
    expectAudio: 'direct',
  },
  {
    name: '24 fps, shorter than a second (18 frames), looping media bed',
    fps: 24,
    durationInFrames: 18,
    maxSegmentSeconds: 2,
    ownAudio: [bed('media', {loop: true, volume: 0.7})],
    expectAudio: 'direct',
  },
  {
    name: '30 fps, no own audio, <Sequence from={-15}>, seams at cuts',
    fps: 30,
    durationInFrames: 120,
    maxSegmentSeconds: 2,
    seamsAtCuts: true,
    ownAudio: [],
    generated: {sequenceFrom: -15},
    expectAudio: 'audio-pass',
  },
];
