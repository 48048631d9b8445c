// @vitest-environment jsdom
import {createRequire} from 'node:module';
import path from 'node:path';
import {Player} from '@remotion/player';
import React, {act} from 'react';
import {createRoot} from 'react-dom/client';
import {Internals, Sequence} from 'remotion';
import {describe, expect, it} from 'vitest';
import {OwnTimelineRows} from '../../../src/react/own-timeline-rows.tsx';
import {disableInteractivityProvider} from '../../../src/react/remotion-internals.ts';

/**
 * `<OwnTimelineRows>` relies on a Remotion internal (`Internals.DisableInteractivityProvider`) and on how
 * Studio 4.0.529 groups its timeline tracks. This test runs Remotion's own code end to end, without a
 * browser: three `.map()`ed sequences register with Remotion's `<Sequence>` in a Studio environment, and
 * Studio's own `calculateTimeline` + `addTimelineDisplayGroups` turn them into rows. Outside
 * `<OwnTimelineRows>` they must collapse into one row (proof that the test sees the grouping); inside, each
 * must keep its own row. When Remotion changes either half, this fails and says which.
 */

// React's act() in a test environment.
(globalThis as {IS_REACT_ACT_ENVIRONMENT?: boolean}).IS_REACT_ACT_ENVIRONMENT = true;

const require = createRequire(import.meta.url);
const studioDist = path.dirname(require.resolve('@remotion/studio'));
type Track = {sequence: {displayName: string}; displayGroup: {key: string; numberOfSequences: number} | null};
const {addTimelineDisplayGroups} = require(
  path.join(studioDist, 'components/Timeline/timeline-display-groups.js'),
) as {addTimelineDisplayGroups: (tracks: unknown[]) => Track[]};
const {calculateTimeline} = require(path.join(studioDist, 'helpers/calculate-timeline.js')) as {
  calculateTimeline: (options: {sequences: unknown[]; overrideIdsToNodePaths: object}) => unknown[];
};

const STUDIO = {
  isStudio: true,
  isRendering: false,
  isClientSideRendering: false,
  isPlayer: false,
  isReadOnlyStudio: false,
};
// What Studio's bundler adds to every <Sequence> element: its place in the source. A `.map()` gives all of
// them the same one.
const SAME_PLACE = 'Error\n    at remotionOriginalSource (studio-original://./src/layers.tsx:10:7)';

type Registered = {id: string; displayName: string; controls: unknown; getStack: () => string | null};

type Manager = {
  registerSequence: (s: Registered) => void;
  unregisterSequence: (id: string) => void;
  updateSequence: (s: Registered) => void;
  sequences: [];
};

/** Three sequences from one `.map()`, registered with `manager` as in Studio. */
const MappedLayers: React.FC<{manager: Manager; wrap: boolean}> = ({manager, wrap}) => {
  const layers = [0, 1, 2].map((i) =>
    React.createElement(Sequence, {
      key: i,
      from: i * 10,
      durationInFrames: 10,
      name: `Layer ${i + 1}`,
      layout: 'none',
      // biome-ignore lint/suspicious/noExplicitAny: the bundler's internal prop, not in the public types
      ...({_remotionInternalStack: SAME_PLACE} as any),
    }),
  );
  return (
    <Internals.RemotionEnvironmentContext.Provider value={STUDIO}>
      <Internals.SequenceManager.Provider value={manager as never}>
        {wrap ? <OwnTimelineRows>{layers}</OwnTimelineRows> : layers}
      </Internals.SequenceManager.Provider>
    </Internals.RemotionEnvironmentContext.Provider>
  );
};

const rowsOf = async (wrap: boolean): Promise<{names: string[]; rows: string[]}> => {
  const registered = new Map<string, Registered>();
  const manager: Manager = {
    registerSequence: (s: Registered) => registered.set(s.id, s),
    unregisterSequence: (id: string) => registered.delete(id),
    updateSequence: (s: Registered) => registered.set(s.id, s),
    sequences: [],
  };
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  await act(async () => {
    root.render(
      <Player
        acknowledgeRemotionLicense
        component={MappedLayers}
        inputProps={{manager, wrap}}
        durationInFrames={30}
        fps={30}
        compositionWidth={160}
        compositionHeight={90}
      />,
    );
  });
  const sequences = [...registered.values()];
  const tracks = addTimelineDisplayGroups(calculateTimeline({sequences, overrideIdsToNodePaths: {}}));
  const rows: string[] = [];
  const seen = new Set<string>();
  for (const track of tracks) {
    if (track.displayGroup && seen.has(track.displayGroup.key)) continue;
    if (track.displayGroup) seen.add(track.displayGroup.key);
    const hidden = (track.displayGroup?.numberOfSequences ?? 1) - 1;
    rows.push(hidden > 0 ? `${track.sequence.displayName} +${hidden}` : track.sequence.displayName);
  }
  await act(async () => root.unmount());
  container.remove();
  return {names: sequences.map((s) => s.displayName), rows};
};

describe('OwnTimelineRows (Remotion internal: DisableInteractivityProvider)', () => {
  it('finds the internal in this Remotion version', () => {
    expect(
      disableInteractivityProvider(),
      'Remotion no longer exports Internals.DisableInteractivityProvider: see src/react/remotion-internals.ts',
    ).toBeTypeOf('function');
  });

  it("collapses mapped sequences into one row without it (Studio's grouping still works as assumed)", async () => {
    const {names, rows} = await rowsOf(false);
    console.log('without OwnTimelineRows:', rows);
    expect(names).toEqual(['Layer 1', 'Layer 2', 'Layer 3']);
    expect(
      rows,
      "Studio's timeline no longer groups mapped sequences: is OwnTimelineRows still needed?",
    ).toEqual(['Layer 1 +2']);
  });

  it('gives each mapped sequence its own row with it', async () => {
    const {rows} = await rowsOf(true);
    console.log('with OwnTimelineRows:', rows);
    expect(
      rows,
      'Remotion changed how sequences leave Studio interactivity: see own-timeline-rows.tsx',
    ).toEqual(['Layer 1', 'Layer 2', 'Layer 3']);
  });
});
