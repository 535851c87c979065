// A scripted broker for driver and pool tests: it listens in memory (memory://<name>), decodes what the
// client sends with our codec and lets the test answer packet by packet. Every wait has a timeout.
import { EventEmitter } from 'node:events';
import { decode, decodeConnect, encode, Framer } from '../../../src/codec';
import type { ConnectPacket, Packet, PacketOf, PacketType, ProtocolVersion } from '../../../src/codec/types';
import { listenMemory, type MemoryServerSocket } from '../../../src/client/transports';
import { withTimeout } from './wait';

let counter = 0;

export class PeerConnection extends EventEmitter {
  readonly received: Packet[] = [];
  private readonly framer = new Framer();
  private cursor = 0;
  version: ProtocolVersion = 4;
  connect: ConnectPacket | undefined;
  closed = false;

  constructor(readonly socket: MemoryServerSocket) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.emit('closed');
    });
    socket.on('error', () => undefined);
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.framer.push(chunk)) {
      const packet = this.connect ? decode(frame, this.version) : decodeConnect(frame);
      if (packet.type === 'connect') {
        this.connect = packet;
        this.version = packet.protocolVersion;
      }
      this.received.push(packet);
      this.emit('packet', packet);
    }
  }

  /** The next packet (after those already taken) of `type`, skipping PINGREQs unless asked for. */
  next<T extends PacketType>(type: T, ms = 3000): Promise<PacketOf<T>> {
    const take = (): PacketOf<T> | undefined => {
      while (this.cursor < this.received.length) {
        const p = this.received[this.cursor++]!;
        if (p.type === type) return p as PacketOf<T>;
        if (p.type !== 'pingreq') throw new Error(`expected ${type}, got ${p.type}: ${JSON.stringify(p)}`);
      }
      return undefined;
    };
    const now = take();
    if (now) return Promise.resolve(now);
    return withTimeout(
      new Promise<PacketOf<T>>((resolve, reject) => {
        const on = (): void => {
          try {
            const p = take();
            if (!p) return;
            this.off('packet', on);
            resolve(p);
          } catch (err) {
            this.off('packet', on);
            reject(err);
          }
        };
        this.on('packet', on);
      }),
      ms,
      `${type} from the client`,
    );
  }

  /** Like next(), but skips packets of other types. */
  nextOf<T extends PacketType>(type: T, ms = 3000): Promise<PacketOf<T>> {
    const from = this.cursor;
    const found = this.received.findIndex((p, i) => i >= from && p.type === type);
    if (found >= 0) {
      this.cursor = found;
      return this.next(type, ms);
    }
    this.cursor = this.received.length;
    return withTimeout(
      new Promise<PacketOf<T>>((resolve) => {
        const on = (p: Packet): void => {
          if (p.type !== type) return;
          this.off('packet', on);
          this.cursor = this.received.length;
          resolve(p as PacketOf<T>);
        };
        this.on('packet', on);
      }),
      ms,
      `${type} from the client`,
    );
  }

  send(packet: Packet): void {
    this.socket.write(encode(packet, this.version));
  }

  /** Raw bytes, e.g. a malformed packet. */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  connack(options: { sessionPresent?: boolean; reasonCode?: number; properties?: PacketOf<'connack'>['properties'] } = {}): void {
    const packet: PacketOf<'connack'> = { type: 'connack', sessionPresent: options.sessionPresent ?? false, reasonCode: options.reasonCode ?? 0 };
    if (options.properties && this.version === 5) packet.properties = options.properties;
    this.send(packet);
  }

  untilClosed(ms = 3000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return withTimeout(new Promise<void>((r) => this.once('closed', () => r())), ms, 'client to close the connection');
  }

  end(): void {
    this.socket.end();
  }
}

/** Accepts in-memory connections; `nextConnection()` hands them to the test in order. */
export class ScriptedBroker extends EventEmitter {
  readonly name = `scripted-${process.pid}-${++counter}`;
  readonly url = `memory://${this.name}`;
  readonly connections: PeerConnection[] = [];
  private cursor = 0;
  private readonly listener = listenMemory(this.name, (socket) => {
    const peer = new PeerConnection(socket);
    this.connections.push(peer);
    this.emit('connection', peer);
  });

  nextConnection(ms = 3000): Promise<PeerConnection> {
    if (this.cursor < this.connections.length) return Promise.resolve(this.connections[this.cursor++]!);
    return withTimeout(
      new Promise<PeerConnection>((resolve) =>
        this.once('connection', () => resolve(this.connections[this.cursor++]!)),
      ),
      ms,
      'a client connection',
    );
  }

  /** Accepts the next connection: reads CONNECT, answers CONNACK. */
  async accept(options: Parameters<PeerConnection['connack']>[0] = {}): Promise<PeerConnection> {
    const peer = await this.nextConnection();
    await peer.next('connect');
    peer.connack(options);
    return peer;
  }

  close(): void {
    this.listener.close();
    for (const c of this.connections) if (!c.closed) c.socket.destroy();
  }
}
