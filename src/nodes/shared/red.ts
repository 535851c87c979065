// The slice of Node-RED's runtime API that our nodes use. Declared here (not from @types/node-red) so the
// bundle has no type dependency on one Node-RED major version; it matches 3.x, 4.x and 5.x.

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type NodeMessage = Record<string, unknown> & { _msgid?: string };
export type SendFn = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null> | null) => void;
export type DoneFn = (err?: Error) => void;

export interface Node {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials?: Record<string, string | undefined>;
  on(event: 'input', handler: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  on(event: string, handler: (...args: any[]) => void): void;
  send(msg: NodeMessage | Array<NodeMessage | null> | null): void;
  status(status: NodeStatus | Record<string, never>): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(err: unknown, msg?: NodeMessage): void;
  debug(msg: unknown): void;
  trace(msg: unknown): void;
  receive(msg: NodeMessage): void;
  context(): unknown;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, config: object): void;
    getNode(id: string): Node | null;
    registerType(type: string, ctor: Function, opts?: { credentials?: Record<string, { type: string }>; settings?: object }): void;
  };
  util: {
    cloneMessage<T>(msg: T): T;
    generateId(): string;
    evaluateNodeProperty(value: unknown, type: string, node: Node, msg: NodeMessage | undefined, cb?: (err: Error | null, value: unknown) => void): unknown;
    getMessageProperty(msg: NodeMessage, expr: string): unknown;
    setMessageProperty(msg: NodeMessage, expr: string, value: unknown, createMissing?: boolean): boolean;
    /** Node-RED >= 3: flow/group/global env variables, then process.env (absent in some test harnesses). */
    getSetting?(node: Node, name: string): string | undefined;
  };
  settings: Record<string, unknown> & { userDir?: string };
  server?: import('node:http').Server;
  httpNode?: unknown;
  log: { info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void; debug(m: unknown): void; trace(m: unknown): void };
  events: { on(ev: string, fn: (...a: any[]) => void): void; removeListener(ev: string, fn: (...a: any[]) => void): void };
  _(key: string, subs?: Record<string, unknown>): string;
  version(): string;
}
