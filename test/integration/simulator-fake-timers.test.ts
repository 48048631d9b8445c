import {readFile} from 'node:fs/promises';
import {request} from 'undici';
import {afterEach, expect, it, vi} from 'vitest';
import {startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

afterEach(() => {
  vi.useRealTimers();
});

it('follows a faked clock: tasks complete and windows reopen when the test advances time', async () => {
  const mp4 = await readFile(await makeTestMp4({seconds: 1}));
  vi.useFakeTimers({toFake: ['Date', 'setTimeout', 'clearTimeout']});
  const sim = await startSimulator({
    apiKey: 'k-123456',
    taskLatencyMs: 30_000,
    limits: {requestsPerWindow: 2},
  });
  try {
    const get = async (path: string) => {
      const res = await request(`${sim.url}${path}`, {headers: {'x-api-key': 'k-123456'}});
      return {
        status: res.statusCode,
        headers: res.headers,
        json: (await res.body.json()) as {status?: string},
      };
    };
    const submitted = await request(`${sim.url}/v1/inference`, {
      method: 'POST',
      headers: {'x-api-key': 'k-123456', 'content-type': 'application/json'},
      body: JSON.stringify({model: 'Qubico/mmaudio', input: {video: mp4.toString('base64'), prompt: 'p'}}),
    });
    const {task_id: id} = (await submitted.body.json()) as {task_id: string};
    expect((await get(`/v1/tasks/${id}`)).json.status).toBe('pending');
    const limited = await get(`/v1/tasks/${id}`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    await vi.advanceTimersByTimeAsync(60_000);
    const done = await get(`/v1/tasks/${id}`);
    expect(done.status).toBe(200);
    expect(done.json.status).toBe('completed');
  } finally {
    vi.useRealTimers();
    await sim.close();
  }
});
