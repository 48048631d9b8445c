import {badField} from '../load-video.ts';

/** Field checks shared by the hosts' body validators; each throws a 400 naming the field (and a type). */

export const optionalString = (value: unknown, field: string, fallback: string): string => {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw badField('string_type', field, `${field} must be a string.`);
  return value;
};

export const requiredString = (value: unknown, field: string): string => {
  if (value === undefined || value === null) throw badField('missing', field, `${field} is required.`);
  if (typeof value !== 'string') throw badField('string_type', field, `${field} must be a string.`);
  return value;
};

export const optionalNumber = (
  value: unknown,
  field: string,
  fallback: number,
  range: {min?: number; max?: number; integer?: boolean},
): number => {
  if (value === undefined || value === null) return fallback;
  const kind = range.integer ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    throw badField(
      range.integer ? 'int_type' : 'float_type',
      field,
      `${field} must be ${kind}, got ${JSON.stringify(value)}.`,
    );
  }
  if (range.min !== undefined && value < range.min) {
    throw badField('greater_than_equal', field, `${field} must be ≥ ${range.min}, got ${value}.`, {
      min: range.min,
    });
  }
  if (range.max !== undefined && value > range.max) {
    throw badField('less_than_equal', field, `${field} must be ≤ ${range.max}, got ${value}.`, {
      max: range.max,
    });
  }
  return value;
};

export const optionalBoolean = (value: unknown, field: string, fallback: boolean): boolean => {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw badField('bool_type', field, `${field} must be true or false.`);
  return value;
};
