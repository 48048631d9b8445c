import type {ServerResponse} from 'node:http';
import type {RecordedRequest} from './types.ts';

const CHUNK_BYTES = 64 * 1024;

/**
 * Answers a result download with a wav of `bytes` in all (a 16-bit PCM header whose data chunk claims the
 * rest, then zeros), streamed chunk by chunk as the client reads, so the simulator itself never holds it.
 * Stops when the client goes away; `record.bytesSent` tells how far it got.
 */
export const sendOversizeWav = async (
  res: ServerResponse,
  spec: {bytes: number; declareLength: boolean},
  record: RecordedRequest,
  format: {channels: number; sampleRate: number},
): Promise<void> => {
  const dataBytes = spec.bytes - 44;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, spec.bytes - 8), 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * format.channels * 2, 28);
  header.writeUInt16LE(format.channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  record.status = 200;
  record.bytesSent = 0;
  res.writeHead(200, {
    'content-type': 'audio/wav',
    'x-request-id': `req_${record.seq}`,
    ...(spec.declareLength ? {'content-length': String(spec.bytes)} : {}),
  });
  const zeros = Buffer.alloc(CHUNK_BYTES);
  const write = (chunk: Buffer) =>
    new Promise<boolean>((resolve) => {
      if (res.destroyed) {
        resolve(false);
        return;
      }
      const ok = res.write(chunk);
      record.bytesSent = (record.bytesSent ?? 0) + chunk.length;
      if (ok) {
        resolve(true);
        return;
      }
      const onDrain = () => {
        res.off('close', onClose);
        resolve(true);
      };
      const onClose = () => {
        res.off('drain', onDrain);
        resolve(false);
      };
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
  if (!(await write(header))) return;
  let left = dataBytes;
  while (left > 0) {
    const n = Math.min(left, CHUNK_BYTES);
    if (!(await write(n === CHUNK_BYTES ? zeros : zeros.subarray(0, n)))) return;
    left -= n;
  }
  res.end();
};
