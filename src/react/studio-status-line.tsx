import type React from 'react';
import {useVideoConfig} from 'remotion';
import type {StudioStatus} from './studio-files.ts';

const style: React.CSSProperties = {
  position: 'absolute',
  left: 0,
  right: 0,
  bottom: 0,
  background: 'rgba(0, 0, 0, 0.7)',
  color: '#fff',
  fontFamily: 'system-ui, sans-serif',
  lineHeight: 1.4,
  whiteSpace: 'nowrap',
  overflow: 'hidden',
  textOverflow: 'ellipsis',
  pointerEvents: 'none',
  zIndex: 1,
};

const colors: Record<StudioStatus['state'], string> = {
  queued: '#ffd166',
  planning: '#ffd166',
  generating: '#ffd166',
  done: '#06d6a0',
  failed: '#ef476f',
};

/**
 * The worker's status as one line over the preview. Rendered by `<GeneratedAudio />` in Studio only. Sized
 * in proportion to the composition's width, so it reads about the same in the preview of any size.
 */
export const StudioStatusLine: React.FC<{status: StudioStatus}> = ({status}) => {
  const {width} = useVideoConfig();
  const fontSize = Math.max(4, width / 64);
  return (
    <div
      style={{...style, fontSize, padding: `${fontSize / 3}px ${fontSize / 1.5}px`}}
      data-mmaudio-studio-status={status.state}
      role="status"
    >
      <span style={{color: colors[status.state]}}>●</span> {status.message}
    </div>
  );
};
