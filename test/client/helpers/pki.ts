// A throwaway PKI for TLS tests, made with the openssl command line in a temp dir: a CA, a server
// certificate for localhost/127.0.0.1, an expired one, a self-signed one, one from an unknown CA, a
// client certificate (PEM and PKCS#12 with a passphrase). EC keys keep generation fast.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  /** Paths, for servers configured by file (Mosquitto). */
  files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
  ca: Buffer;
  server: { cert: Buffer; key: Buffer };
  expired: { cert: Buffer; key: Buffer };
  selfSigned: { cert: Buffer; key: Buffer };
  unknownCa: { cert: Buffer; key: Buffer };
  client: { cert: Buffer; key: Buffer; pfx: Buffer; passphrase: string };
  cleanup(): void;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CA_CONFIG = `
[ ca ]
default_ca = local
[ local ]
dir = DIR
database = DIR/index.txt
new_certs_dir = DIR
serial = DIR/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
[ server_ext ]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
extendedKeyUsage = serverAuth
[ client_ext ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'mqttkit-pki-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG.replaceAll('DIR', dir));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const key = (name: string): void => ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  const rootCa = (name: string): void => {
    key(name);
    ssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.crt`,
      '-config', 'ca.cnf', '-extensions', 'ca_ext');
  };
  const leaf = (name: string, issuer: string, ext: string, dates: string[] = ['-days', '2']): void => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name === 'client' ? 'client' : 'localhost'}`, '-out', `${name}.csr`);
    ssl('ca', '-batch', '-config', 'ca.cnf', '-cert', `${issuer}.crt`, '-keyfile', `${issuer}.key`, '-in', `${name}.csr`,
      '-out', `${name}.crt`, '-extensions', ext, '-notext', ...dates);
  };
  rootCa('ca');
  rootCa('otherca');
  leaf('server', 'ca', 'server_ext');
  leaf('expired', 'ca', 'server_ext', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  leaf('stranger', 'otherca', 'server_ext');
  leaf('client', 'ca', 'client_ext');
  key('selfsigned');
  ssl('req', '-x509', '-new', '-key', 'selfsigned.key', '-subj', '/CN=localhost', '-days', '2', '-out', 'selfsigned.crt',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  const passphrase = 'correct horse';
  ssl('pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-out', 'client.p12', '-passout', `pass:${passphrase}`);
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  const pair = (n: string): { cert: Buffer; key: Buffer } => ({ cert: read(`${n}.crt`), key: read(`${n}.key`) });
  return {
    dir,
    files: {
      ca: join(dir, 'ca.crt'),
      serverCert: join(dir, 'server.crt'),
      serverKey: join(dir, 'server.key'),
      clientCert: join(dir, 'client.crt'),
      clientKey: join(dir, 'client.key'),
    },
    ca: read('ca.crt'),
    server: pair('server'),
    expired: pair('expired'),
    selfSigned: pair('selfsigned'),
    unknownCa: pair('stranger'),
    client: { ...pair('client'), pfx: read('client.p12'), passphrase },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
