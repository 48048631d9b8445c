import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type TestRedis = {url: string; port: number; stop: () => Promise<void>};

/** A port free on 127.0.0.1 right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/**
 * Debian's redis-server on a free port of 127.0.0.1, with its own temp directory and no persistence;
 * resolves once it accepts connections, and `stop` kills it (by its own pid) and removes the directory.
 */
export const startRedis = async (): Promise<TestRedis> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    {stdio: ['ignore', 'pipe', 'pipe']},
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
    const check = () => {
      if (output.includes('Ready to accept connections')) {
        clearTimeout(deadline);
        resolve();
      } else setTimeout(check, 20);
    };
    check();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, {recursive: true, force: true});
    },
  };
};
