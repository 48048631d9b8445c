import type {Exchange, SimulatorCore} from './contracts/host-contract.ts';
import {RESULT_CONTENT_TYPES, type ResultFileFormat} from './encode-result-file.ts';
import {simulatorErrorCodes} from './error-codes.ts';
import {ApiFailure, drainBody, sendBytes} from './http-reply.ts';
import {mp4OversizeHead, sendOversize, wavOversizeHead} from './send-oversize.ts';

/**
 * A result file download, the same on every host: the file exists once the task completed; the result
 * faults apply (`result404Next`, `oversizeResultNext`, `truncateResultNext`). `format` is the host's file
 * format for this task. A wav is cut at a frame boundary in the middle of its data; any other file in half.
 */
export const handleResultDownload = async (
  core: SimulatorCore,
  ex: Exchange,
  format: (taskId: string) => ResultFileFormat,
  notFoundFailure: (failure: ApiFailure) => ApiFailure = (f) => f,
): Promise<void> => {
  const {record, res, route: r} = ex;
  await drainBody(ex.req);
  if (core.closed()) return;
  core.store.refresh(Date.now());
  const task = core.store.tasks.get(r.taskId!);
  const index = r.resultIndex!;
  const notFound = () =>
    notFoundFailure(
      new ApiFailure(404, simulatorErrorCodes.resultNotFound, `No result ${index} for task ${r.taskId}.`, {
        task_id: r.taskId,
        index,
      }),
    );
  if (task?.status !== 'completed' || index >= task.resultSpec.count) throw notFound();
  if (core.faultState.takeResult404()) {
    record.fault = 'result404';
    throw notFound();
  }
  const fileFormat = format(task.taskId);
  const contentType = RESULT_CONTENT_TYPES[fileFormat];
  const oversize = core.faultState.takeOversize();
  if (oversize) {
    record.fault = 'oversize';
    const head =
      fileFormat === 'wav'
        ? wavOversizeHead(oversize.bytes, {
            channels: task.resultSpec.channels,
            sampleRate: task.resultSpec.sampleRate,
          })
        : mp4OversizeHead(oversize.bytes);
    await sendOversize(res, oversize, record, head, contentType);
    core.logger.verbose(
      `[simulator] ${ex.method} ${ex.path} → 200 (oversize, ${record.bytesSent} bytes sent)`,
    );
    return;
  }
  let bytes =
    fileFormat === 'wav' ? core.store.resultWav(task, index) : await core.resultFile(task, index, fileFormat);
  if (core.faultState.takeTruncate()) {
    record.fault = 'truncate';
    if (fileFormat === 'wav') {
      const blockAlign = 2 * task.resultSpec.channels;
      const keptFrames = Math.floor((bytes.byteLength - 44) / blockAlign / 2);
      bytes = bytes.subarray(0, 44 + keptFrames * blockAlign);
    } else {
      bytes = bytes.subarray(0, Math.floor(bytes.byteLength / 2));
    }
  }
  if (!res.destroyed) record.status = 200;
  sendBytes(res, 200, bytes, {'content-type': contentType, 'x-request-id': `req_${record.seq}`});
  core.logger.verbose(`[simulator] ${ex.method} ${ex.path} → 200 (${bytes.byteLength} bytes)`);
};
