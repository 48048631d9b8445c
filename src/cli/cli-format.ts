import type {BillEstimate} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';

// Sub-cent prices (PiAPI, fal per second) keep their digits: $0.0005, not $0.00.
export const usd = (n: number) => (n > 0 && n < 0.01 ? `$${Number(n.toPrecision(2))}` : `$${n.toFixed(2)}`);

export const seconds = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)} s`;

export const needArgs = (command: string, positionals: string[], min: number, max: number, usage: string) => {
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(`Usage: remotion-mmaudio ${command} ${usage}`);
  }
};

export const costCell = (bill: BillEstimate): string =>
  bill.kind === 'unknown' ? 'GPU time' : `${bill.kind === 'estimate' ? '~' : ''}${usd(bill.usd)}`;

export const billLine = (r: {
  billedSeconds: number;
  cachedSeconds: number;
  costUsd: number;
  backend: string;
}) =>
  r.backend !== 'offline'
    ? `billed ${seconds(Math.round(r.billedSeconds * 10) / 10)} (${usd(r.costUsd)}), ${seconds(Math.round(r.cachedSeconds * 10) / 10)} from cache`
    : `offline backend: nothing billed, ${seconds(Math.round(r.cachedSeconds * 10) / 10)} from cache`;
