// Broker users as Node-RED keeps them. The list lives in one credential, `users` (type text, so the
// editor can show and edit it; credentials are never exported with flows and are encrypted at rest with
// Node-RED's credentialSecret). It is JSON:
//
//   [{ "username": "alice", "hash": "scrypt$ln=14,r=8,p=1$<salt>$<key>" }, ...]
//
// Only hashes are stored. The editor sends a new password once, to the admin endpoint below, which
// answers with its hash; the hash is what the editor saves. Flows deployed without the editor (Admin API,
// scripts) may give { "username", "password" } instead: the runtime hashes it at start, uses the hash,
// hands it back to Node-RED's credential store (written at the next deploy) and warns that a plaintext
// password was found.
import { hashPassword, isPasswordHash, type BrokerUser } from '../../broker';
import type { NodeAPI } from '../shared/red';

export interface LoadedUsers {
  users: BrokerUser[];
  /** Entries that came as plaintext and were hashed now. */
  hashedNow: string[];
  problems: string[];
}

interface RawUser {
  username?: unknown;
  hash?: unknown;
  password?: unknown;
}

/** Reads the `users` credential; plaintext passwords are hashed. Problems name the entry, never a password. */
export async function loadUsers(raw: string | undefined): Promise<LoadedUsers> {
  const out: LoadedUsers = { users: [], hashedNow: [], problems: [] };
  if (raw === undefined || raw.trim() === '') return out;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    out.problems.push('the users credential is not valid JSON');
    return out;
  }
  if (!Array.isArray(list)) {
    out.problems.push('the users credential must be a JSON array');
    return out;
  }
  const seen = new Set<string>();
  for (const [i, entry] of (list as RawUser[]).entries()) {
    const name = entry?.username;
    if (typeof name !== 'string' || name === '') {
      out.problems.push(`user ${i + 1} has no user name`);
      continue;
    }
    if (seen.has(name)) {
      out.problems.push(`user "${name}" appears twice`);
      continue;
    }
    seen.add(name);
    if (typeof entry.hash === 'string' && isPasswordHash(entry.hash)) {
      out.users.push({ username: name, hash: entry.hash });
    } else if (typeof entry.password === 'string' && entry.password !== '') {
      out.users.push({ username: name, hash: await hashPassword(entry.password) });
      out.hashedNow.push(name);
    } else {
      out.problems.push(`user "${name}" has no password hash`);
    }
  }
  return out;
}

/** The credential value for a list of hashed users. */
export function usersCredential(users: BrokerUser[]): string {
  return JSON.stringify(users.map((u) => ({ username: u.username, hash: u.hash })));
}

type Handler = (req: { body?: { password?: unknown } }, res: { status(code: number): { json(v: unknown): void }; json(v: unknown): void }) => void;

interface AdminApi {
  httpAdmin?: { post(path: string, ...handlers: unknown[]): void };
  auth?: { needsPermission(permission: string): unknown };
}

export const HASH_ENDPOINT = 'mqtt-kit/embedded-broker/hash';

/**
 * POST <admin root>/mqtt-kit/embedded-broker/hash { password } -> { hash }: the editor turns a new
 * password into its hash here, so only the hash is ever saved. Needs the flows.write permission (anyone
 * who may deploy may set broker passwords).
 */
export function registerHashEndpoint(RED: NodeAPI): void {
  const api = RED as unknown as AdminApi;
  if (!api.httpAdmin) return;
  const permission = api.auth?.needsPermission('flows.write') ?? ((_req: unknown, _res: unknown, next: () => void) => next());
  const handler: Handler = (req, res) => {
    const password = req.body?.password;
    if (typeof password !== 'string' || password === '' || password.length > 1024) {
      res.status(400).json({ error: 'password must be a non-empty string' });
      return;
    }
    hashPassword(password).then((hash) => res.json({ hash }), () => res.status(500).json({ error: 'hashing failed' }));
  };
  api.httpAdmin.post(`/${HASH_ENDPOINT}`, permission, handler);
}
