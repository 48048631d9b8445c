export {formatTimecode} from '../contract/format-timecode.ts';
