// Password hashes for broker users: scrypt (node:crypto) with a random 16-byte salt per user, kept as one
// self-describing string so the cost can be raised later without breaking stored users:
//
//   scrypt$ln=14,r=8,p=1$<salt, base64>$<64-byte key, base64>
//
// Verification runs scrypt on the libuv thread pool (never on the event loop) and compares with
// timingSafeEqual. Unknown users are checked against a dummy hash so a reply takes as long either way.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  /** log2 of N (CPU/memory cost). Default 14: 16 MiB and tens of milliseconds per check. */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { ln: 14, r: 8, p: 1 };
const KEY_BYTES = 64;
const SALT_BYTES = 16;
const PREFIX = 'scrypt$';

/** A stored hash that cannot be read (wrong format or parameters out of range). */
export class PasswordHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordHashError';
  }
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function derive(password: string | Buffer, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  const N = 2 ** cost.ln;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r * cost.p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password for storage. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost, KEY_BYTES);
  return `${PREFIX}ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `value` looks like a hash this module wrote (as opposed to a plaintext password). */
export function isPasswordHash(value: string): boolean {
  try {
    parseHash(value);
    return true;
  } catch {
    return false;
  }
}

export function parseHash(encoded: string): ParsedHash {
  const parts = encoded.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') throw new PasswordHashError('not an scrypt password hash');
  const params = new Map(parts[1]!.split(',').map((kv) => kv.split('=') as [string, string]));
  const cost = { ln: Number(params.get('ln')), r: Number(params.get('r')), p: Number(params.get('p')) };
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  if (!ok(cost.ln, 20) || !ok(cost.r, 32) || !ok(cost.p, 16)) throw new PasswordHashError('scrypt parameters out of range');
  const salt = Buffer.from(parts[2]!, 'base64');
  const key = Buffer.from(parts[3]!, 'base64');
  if (salt.length < 8 || key.length < 16) throw new PasswordHashError('scrypt salt or key too short');
  return { cost, salt, key };
}

/** Checks a password against a stored hash in constant time for the given hash. */
export async function verifyPassword(password: string | Buffer, encoded: string): Promise<boolean> {
  const { cost, salt, key } = parseHash(encoded);
  const candidate = await derive(password, salt, cost, key.length);
  return timingSafeEqual(candidate, key);
}

let dummy: Promise<string> | undefined;

/** Spends the same time as a real check, for a user name that does not exist. Always false. */
export async function verifyNobody(password: string | Buffer): Promise<false> {
  dummy ??= hashPassword('no such user');
  await verifyPassword(password, await dummy);
  return false;
}
