import {describe, expect, it} from 'vitest';
import {main} from '../../src/cli/main.ts';
import {call, type Json, until} from './helpers/host-http.ts';

/** Runs `remotion-mmaudio simulate …` in this process; resolves once it prints its URL. */
const runSimulate = async (args: string[]) => {
  let out = '';
  const controller = new AbortController();
  const done = main(['simulate', '--port', '0', ...args], {
    stdout: {write: (chunk: string) => (out += chunk)},
    stderr: {write: (chunk: string) => (out += chunk)},
    signal: controller.signal,
  });
  const url = await Promise.race([
    until(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]),
    done.then((code) => {
      throw new Error(`simulate exited ${code}: ${out}`);
    }),
  ]);
  const stop = async () => {
    controller.abort();
    return await done;
  };
  return {url, output: () => out, stop};
};

describe('remotion-mmaudio simulate --provider', () => {
  it('speaks each host: its paths, its key header, its error shape', async () => {
    const rows = [];
    const probes = {
      qubico: {
        path: '/v1/tasks/x',
        headers: {'x-api-key': 'k'},
        expect: (j: Json) => j.error.code === 'task_not_found',
      },
      piapi: {path: '/api/v1/task/x', headers: {'x-api-key': 'k'}, expect: (j: Json) => j.code === 404},
      fal: {
        path: '/fal-ai/mmaudio-v2/requests/x/status',
        headers: {authorization: 'Key k'},
        expect: (j: Json) => typeof j.detail === 'string',
      },
      replicate: {
        path: '/v1/predictions/x',
        headers: {authorization: 'Bearer k'},
        expect: (j: Json) => j.detail === 'Not found.',
      },
    } as const;
    for (const [provider, probe] of Object.entries(probes)) {
      const sim = await runSimulate(['--provider', provider]);
      const answer = await call(`${sim.url}${probe.path}`, {headers: probe.headers});
      const code = await sim.stop();
      const text = sim.output();
      rows.push({
        provider,
        status: answer.status,
        shapeOk: probe.expect(answer.json),
        exit: code,
        firstLine: text.split('\n')[0],
      });
      expect(answer.status).toBe(404);
      expect(probe.expect(answer.json)).toBe(true);
      expect(code).toBe(0);
      expect(text).toMatch(/Stopped after 1 requests/);
      if (provider === 'fal')
        expect(text).toMatch(/JWKS is at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json/);
      if (provider !== 'qubico') expect(text).toContain(`--provider ${provider}`);
    }
    console.table(rows);
  });

  it('refuses --provider offline: there is no host to simulate', async () => {
    let out = '';
    const code = await main(['simulate', '--port', '0', '--provider', 'offline'], {
      stdout: {write: (c: string) => (out += c)},
      stderr: {write: (c: string) => (out += c)},
    });
    expect(code).toBe(2);
    expect(out).toMatch(/--provider qubico, piapi, fal or replicate/);
  });
});
