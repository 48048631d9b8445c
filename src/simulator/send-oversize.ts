import type {ServerResponse} from 'node:http';
import type {RecordedRequest} from './types.ts';

const CHUNK_BYTES = 64 * 1024;

/** The 44-byte head of a 16-bit PCM wav of `bytes` in all, whose data chunk claims the rest. */
export const wavOversizeHead = (bytes: number, format: {channels: number; sampleRate: number}): Buffer => {
  const dataBytes = bytes - 44;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, bytes - 8), 4);
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
  return header;
};

/** The head of an mp4 of `bytes` in all: an `ftyp` box, then an `mdat` box (64-bit size) claiming the rest. */
export const mp4OversizeHead = (bytes: number): Buffer => {
  const head = Buffer.alloc(40);
  head.writeUInt32BE(24, 0);
  head.write('ftypisom', 4, 'ascii');
  head.writeUInt32BE(0x200, 12);
  head.write('isomiso2', 16, 'ascii');
  head.writeUInt32BE(1, 24);
  head.write('mdat', 28, 'ascii');
  head.writeBigUInt64BE(BigInt(Math.max(16, bytes - 24)), 32);
  return head;
};

/**
 * Answers a result download with a file of `spec.bytes` in all (`head`, then zeros), streamed chunk by
 * chunk as the client reads, so the simulator itself never holds it. Stops when the client goes away;
 * `record.bytesSent` tells how far it got.
 */
export const sendOversize = async (
  res: ServerResponse,
  spec: {bytes: number; declareLength: boolean},
  record: RecordedRequest,
  head: Buffer,
  contentType: string,
): Promise<void> => {
  const header = head.subarray(0, Math.min(head.byteLength, spec.bytes));
  const dataBytes = spec.bytes - header.byteLength;
  record.status = 200;
  record.bytesSent = 0;
  res.writeHead(200, {
    'content-type': contentType,
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
