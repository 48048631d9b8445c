/** `value` when it is an integer ≥ 1, else a TypeError naming the option. */
export const positiveInteger = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
};

/** `value` when it is a finite number ≥ 0, else a TypeError naming the option. */
export const nonNegative = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
};
