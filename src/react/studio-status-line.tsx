import type React from 'react';
import type {StudioStatus} from './studio-files.ts';

const style: React.CSSProperties = {
  position: 'absolute',
  left: 0,
  right: 0,
  bottom: 0,
  padding: '4px 8px',
  background: 'rgba(0, 0, 0, 0.7)',
  color: '#fff',
  font: '12px/1.4 system-ui, sans-serif',
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

/** The worker's status as one line over the preview. Rendered by `<GeneratedAudio />` in Studio only. */
export const StudioStatusLine: React.FC<{status: StudioStatus}> = ({status}) => (
  <div style={style} data-mmaudio-studio-status={status.state} role="status">
    <span style={{color: colors[status.state]}}>●</span> {status.message}
  </div>
);
