import {describe, expect, test} from 'vitest';
import {billFor, maxSegmentSecondsFor} from '../../../src/contract/providers.ts';
import {UsageError} from '../../../src/errors.ts';
import {providerKeysFromEnv, selectProvider} from '../../../src/providers/select-provider.ts';

describe('selectProvider', () => {
  test('a named provider wins; --backend is an alias', () => {
    expect(selectProvider({provider: 'fal', keys: {qubico: 'k', replicate: 'r'}})).toBe('fal');
    expect(selectProvider({backend: 'offline', keys: {qubico: 'k'}})).toBe('offline');
    expect(selectProvider({provider: 'piapi', backend: 'piapi', keys: {}})).toBe('piapi');
  });

  test('by the one key set; none → null', () => {
    expect(selectProvider({keys: providerKeysFromEnv({FAL_KEY: 'x'})})).toBe('fal');
    expect(selectProvider({keys: providerKeysFromEnv({REPLICATE_API_TOKEN: 'x'})})).toBe('replicate');
    expect(selectProvider({keys: providerKeysFromEnv({PIAPI_API_KEY: 'x'})})).toBe('piapi');
    expect(selectProvider({keys: providerKeysFromEnv({QUBICO_API_KEY: 'x'})})).toBe('qubico');
    expect(selectProvider({keys: providerKeysFromEnv({QUBICO_API_KEY: '  '})})).toBeNull();
  });

  test('two keys and no name: a UsageError naming both and --provider', () => {
    const run = () => selectProvider({keys: providerKeysFromEnv({QUBICO_API_KEY: 'a', FAL_KEY: 'b'})});
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/QUBICO_API_KEY and FAL_KEY.*--provider qubico\|fal.*Nothing was sent/);
  });

  test('unknown names and disagreeing flags are refused', () => {
    expect(() => selectProvider({provider: 'openai', keys: {}})).toThrow(/--provider must be one of/);
    expect(() => selectProvider({provider: 'fal', backend: 'qubico', keys: {}})).toThrow(/disagree/);
  });
});

describe('provider facts for a plan', () => {
  test('segment limit and bill per provider', () => {
    const rows = (['qubico', 'piapi', 'fal', 'replicate'] as const).map((p) => {
      const bill = billFor(p, 100);
      return {
        provider: p,
        maxSegment: maxSegmentSecondsFor(p),
        bill: bill.kind === 'unknown' ? bill.note : bill.usd,
      };
    });
    console.table(rows);
    expect(rows.map((r) => r.maxSegment)).toEqual([60, 30, 30, 60]);
    expect(rows.slice(0, 3).map((r) => r.bill)).toEqual([5, 0.05, 0.1]);
    expect(billFor('replicate', 100).kind).toBe('unknown');
    expect(
      billFor('replicate', 100, {kind: 'gpu-time', usdPerGpuSecond: 0.001, gpuSecondsPerVideoSecond: 2}),
    ).toMatchObject({kind: 'estimate', usd: 0.2});
  });
});
