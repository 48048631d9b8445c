import {PROVIDERS} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import {startSimulator} from '../simulator/index.ts';
import type {CliContext} from './cli-context.ts';
import {needArgs} from './cli-format.ts';
import type {CliFlags} from './parse-cli-args.ts';

export const simulateCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  needArgs(
    'simulate',
    positionals,
    0,
    0,
    '[--port 8787] [--provider qubico|piapi|fal|replicate] [--api-key KEY] [--task-latency-ms 2000]',
  );
  const port = flags.port ?? 8787;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${port}.`);
  if (flags.provider && flags.backend && flags.provider !== flags.backend) {
    throw new UsageError(
      `--provider ${flags.provider} and --backend ${flags.backend} disagree (--backend is an alias of --provider): pass one.`,
    );
  }
  const chosen = flags.provider ?? flags.backend ?? 'qubico';
  if (chosen === 'offline') {
    throw new UsageError(
      "simulate speaks a hosted service's contract: --provider qubico, piapi, fal or replicate (offline needs no server).",
    );
  }
  const facts = PROVIDERS[chosen];
  const apiKey = flags.apiKey ?? ctx.providerEnv[facts.keyEnv];
  ctx.logger.addSecret(apiKey);
  const sim = await startSimulator({
    provider: chosen,
    host: flags.host ?? '127.0.0.1',
    port,
    apiKey: apiKey ?? null,
    taskLatencyMs: flags.taskLatencyMs,
    logger: ctx.logger,
  });
  const label = chosen === 'qubico' ? 'Qubico' : facts.label;
  ctx.stdout.write(`${label} MMAudio API simulator listening on ${sim.url}\n`);
  const keyWhere = chosen === 'qubico' || chosen === 'piapi' ? 'x-api-key' : 'Authorization key';
  ctx.stdout.write(
    apiKey
      ? `Accepting only the key from --api-key / ${facts.keyEnv}.\n`
      : `Accepting any non-empty ${keyWhere} (set ${facts.keyEnv} or --api-key to require one).\n`,
  );
  if (sim.jwksUrl) ctx.stdout.write(`Webhooks are signed with Ed25519; the JWKS is at ${sim.jwksUrl}\n`);
  if (chosen === 'replicate') {
    ctx.stdout.write(
      `Webhooks are signed per Standard Webhooks; the secret is at ${sim.url}/v1/webhooks/default/secret\n`,
    );
  }
  ctx.stdout.write(
    `Use it with: ${facts.baseUrlEnv}=${sim.url} ${facts.keyEnv}=<key> remotion-mmaudio render ...${
      chosen === 'qubico' ? '' : ` --provider ${chosen}`
    }\n`,
  );
  ctx.stdout.write('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), {once: true});
  });
  await sim.close();
  ctx.stdout.write(`Stopped after ${sim.requests.length} requests.\n`);
  return 0;
};
