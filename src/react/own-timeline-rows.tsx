import type React from 'react';
import {disableInteractivityProvider} from './remotion-internals.ts';

/**
 * Gives every `<Sequence>` below it its own row and bar in Studio's timeline.
 *
 * Remotion 4.0.529's Studio collapses sequences created at the same place in the code (a `.map()`) into one
 * row, "Name +N", drawing only the first one's bar: it groups the timeline tracks of sequences that carry
 * interactivity `controls` by their source location (`addTimelineDisplayGroups` in `@remotion/studio`).
 * Sequences rendered outside Studio's interactivity carry no `controls`, are never grouped, and so each get
 * a row — this is how Studio itself renders its asset previews (`Internals.DisableInteractivityProvider`).
 * The layers below then cannot be dragged or edited visually in Studio, which suits generated audio: its
 * placement comes from the manifest, not from the code.
 *
 * Renders are unaffected: there, sequences never carry `controls`.
 *
 * The internal lives with the others in `remotion-internals.ts`; `test/unit/react/own-timeline-rows.test.tsx`
 * fails when Remotion changes it or Studio's grouping. Without the internal the rows collapse again, and
 * playback is unchanged.
 */
export const OwnTimelineRows: React.FC<{readonly children: React.ReactNode}> = ({children}) => {
  const Provider = disableInteractivityProvider();
  return Provider ? <Provider>{children}</Provider> : children;
};
