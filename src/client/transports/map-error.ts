// Turns Node.js / OpenSSL / ws errors into TransportErrors with a cause and a short text a user can act
// on ("TLS: certificate expired" rather than "CERT_HAS_EXPIRED"), keeping the original for logs.
import { TransportError, type TransportCause } from '../errors';
import { hostPort } from './transport';

interface ErrorWithCode extends Error {
  code?: string;
  reason?: string;
}

const TLS_TEXT: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain (unknown CA)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown CA (cannot verify the server certificate)',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown CA (issuer certificate not found)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown CA (issuer certificate not found)',
  CERT_REVOKED: 'certificate revoked',
  CERT_SIGNATURE_FAILURE: 'certificate signature invalid',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_PURPOSE: 'certificate not valid for a TLS server',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname mismatch',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server rejected the client certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server does not trust the client certificate (unknown CA)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port',
  ERR_SSL_BAD_DECRYPT: 'cannot decrypt the client key (wrong passphrase?)',
  ERR_OSSL_BAD_DECRYPT: 'cannot decrypt the client key (wrong passphrase?)',
  ERR_SSL_NO_START_LINE: 'cannot read a PEM certificate or key',
  ERR_OSSL_PEM_NO_START_LINE: 'cannot read a PEM certificate or key',
};

const SOCKET_CAUSE: Readonly<Record<string, TransportCause>> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
};

export interface ErrorContext {
  host: string;
  port: number;
}

/** The short human text for a TLS error code, or undefined when the code is not a TLS one. */
export function tlsErrorText(code: string | undefined, message = ''): string | undefined {
  if (code && TLS_TEXT[code]) return TLS_TEXT[code];
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_OSSL_')) return `handshake failed (${code})`;
  if (/mac verify failure/i.test(message)) return 'cannot read the PKCS#12 bundle (wrong passphrase?)';
  if (/bad decrypt/i.test(message)) return 'cannot decrypt the client key (wrong passphrase?)';
  return undefined;
}

export function mapTransportError(err: unknown, ctx: ErrorContext): TransportError {
  if (err instanceof TransportError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as ErrorWithCode;
  const where = hostPort(ctx.host, ctx.port);
  const tls = tlsErrorText(e.code, e.message);
  if (tls) {
    const suffix = e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? ` (the certificate is not valid for ${ctx.host})` : '';
    return new TransportError(`TLS: ${tls}${suffix}`, 'tls', { code: e.code, original: e });
  }
  const cause = (e.code && SOCKET_CAUSE[e.code]) || 'other';
  return new TransportError(socketText(cause, where, ctx.host, e), cause, { code: e.code, original: e });
}

function socketText(cause: TransportCause, where: string, host: string, e: ErrorWithCode): string {
  switch (cause) {
    case 'dns':
      return `DNS: cannot resolve host "${host}" (${e.code})`;
    case 'refused':
      return `connection refused by ${where} (is the broker running and listening on that port?)`;
    case 'reset':
      return `connection reset by ${where} (${e.code})`;
    case 'timeout':
      return `connection to ${where} timed out (${e.code})`;
    case 'unreachable':
      return `host ${where} unreachable (${e.code})`;
    default:
      return `connection to ${where} failed: ${e.message}`;
  }
}

export function timeoutError(ctx: ErrorContext, ms: number): TransportError {
  return new TransportError(`connection to ${hostPort(ctx.host, ctx.port)} timed out after ${ms} ms`, 'timeout');
}

export function abortedError(ctx: ErrorContext): TransportError {
  return new TransportError(`connection to ${hostPort(ctx.host, ctx.port)} aborted`, 'closed');
}

export function closedByPeerError(ctx: ErrorContext): TransportError {
  return new TransportError(`connection closed by ${hostPort(ctx.host, ctx.port)}`, 'reset');
}
