// MQTT over TLS (port 8883 by convention). Client certificates can be asked for and verified against the
// configured CA; the Common Name of a verified certificate can stand in for a user name and password
// (ConnectionMeta.identity), as Mosquitto's use_identity_as_username does.

import tls from 'node:tls';
import type { Accept, Listener } from './listeners';
import { SocketTracker, boundAddress, closeServer, listen } from './server-socket';

/** none: not asked for; optional: asked for, verified if sent; required: the handshake fails without a valid one. */
export type ClientCertificates = 'none' | 'optional' | 'required';

export interface TlsSettings {
  /** Key, certificate chain, CA and any other tls.createServer option (passphrase, minVersion, ciphers ...). */
  secureContext: tls.TlsOptions;
  clientCertificates?: ClientCertificates;
  /** The CN of a verified client certificate becomes the client's user name, and proves it (no password). */
  certificateIdentity?: boolean;
}

export interface TlsListenerOptions extends TlsSettings {
  /** Default 8883. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Default 'tls'. */
  name?: string;
  /** A handshake that has not finished by then is dropped. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
}

/** tls.createServer options for the settings: client certificates requested/required as configured. */
export function serverTlsOptions(settings: TlsSettings, handshakeTimeoutMs = 10_000): tls.TlsOptions {
  const mode = settings.clientCertificates ?? 'none';
  return {
    ...settings.secureContext,
    requestCert: mode !== 'none',
    rejectUnauthorized: mode === 'required',
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** The CN of the peer's certificate when it was verified against our CA, else undefined. */
export function certificateIdentityOf(socket: tls.TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN as string | string[] | undefined;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return name ? name : undefined;
}

export class TlsListener implements Listener {
  readonly name: string;
  private server: tls.Server | undefined;
  private readonly tracker = new SocketTracker();

  constructor(private readonly options: TlsListenerOptions) {
    this.name = options.name ?? 'tls';
  }

  start(accept: Accept): Promise<void> {
    const options = this.options;
    const server = tls.createServer(serverTlsOptions(options, options.handshakeTimeoutMs), (socket) => {
      socket.setNoDelay(true);
      const identity = options.certificateIdentity ? certificateIdentityOf(socket) : undefined;
      accept(socket, {
        remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`, listener: this.name,
        ...(identity === undefined ? {} : { identity }),
      });
    });
    // Failed handshakes (wrong CA, no certificate when required, plain MQTT on the TLS port) end there.
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    this.tracker.watch(server);
    this.server = server;
    return listen(server, { listener: this.name, host: options.host ?? '127.0.0.1', port: options.port ?? 8883 });
  }

  close(): Promise<void> {
    return closeServer(this.server, this.tracker);
  }

  address(): { host: string; port: number } | undefined {
    return boundAddress(this.server);
  }
}
