// Small typed readers for option validation: each reads one field, records a readable issue when the
// value is wrong, and returns the default so validation can go on and report every problem at once.
import type { OptionIssue } from './errors';

export class Checker {
  readonly issues: OptionIssue[] = [];

  fail(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** An integer in [min, max]; strings of digits are accepted (Node-RED config fields are strings). */
  int(field: string, value: unknown, range: { min: number; max: number; fallback: number }): number {
    if (value === undefined || value === null || value === '') return range.fallback;
    const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < range.min || n > range.max) {
      this.fail(field, `must be an integer from ${range.min} to ${range.max} (got ${show(value)})`);
      return range.fallback;
    }
    return n;
  }

  /** A finite number in [min, max]. */
  num(field: string, value: unknown, range: { min: number; max: number; fallback: number }): number {
    if (value === undefined || value === null || value === '') return range.fallback;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < range.min || n > range.max) {
      this.fail(field, `must be a number from ${range.min} to ${range.max} (got ${show(value)})`);
      return range.fallback;
    }
    return n;
  }

  /** A boolean; 'true'/'false' strings are accepted (Node-RED stores some checkboxes as strings). */
  bool(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    this.fail(field, `must be true or false (got ${show(value)})`);
    return fallback;
  }

  /** A string (possibly empty); undefined stays undefined. */
  str(field: string, value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      this.fail(field, `must be a string (got ${show(value)})`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string | number>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined || value === null || value === '') return fallback;
    const match = allowed.find((a) => a === value || String(a) === String(value));
    if (match === undefined) {
      this.fail(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (got ${show(value)})`);
      return fallback;
    }
    return match;
  }

  isObject(field: string, value: unknown): value is Record<string, unknown> {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value)) return true;
    this.fail(field, `must be an object (got ${show(value)})`);
    return false;
  }
}

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}...` : text;
  } catch {
    return String(value);
  }
}
