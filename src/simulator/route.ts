import type {RequestKind} from './types.ts';

/** What a request is: its kind for the records and faults, and the task it names. */
export type Route = {kind: RequestKind; taskId?: string; resultIndex?: number; allow?: string};

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

export const route = (method: string, path: string): Route => {
  if (path === '/v1/inference') return method === 'POST' ? {kind: 'submit'} : {kind: 'other', allow: 'POST'};
  const poll = /^\/v1\/tasks\/([^/]+)$/.exec(path);
  if (poll) {
    const taskId = decode(poll[1]);
    return method === 'GET' ? {kind: 'poll', taskId} : {kind: 'other', taskId, allow: 'GET'};
  }
  const result = /^\/v1\/results\/([^/]+)\/(\d+)\.wav$/.exec(path);
  if (result) {
    const taskId = decode(result[1]);
    return method === 'GET'
      ? {kind: 'result', taskId, resultIndex: Number(result[2])}
      : {kind: 'other', taskId, allow: 'GET'};
  }
  return {kind: 'other'};
};
