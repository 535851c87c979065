// The part of node-red-node-test-helper (no published types) that our node tests use.
declare module 'node-red-node-test-helper' {
  interface TestNode {
    id: string;
    type: string;
    on(event: string, fn: (...args: any[]) => void): void;
    once(event: string, fn: (...args: any[]) => void): void;
    removeListener(event: string, fn: (...args: any[]) => void): void;
    receive(msg: Record<string, unknown>): void;
    status: { lastCall?: { args: unknown[] }; getCalls?(): Array<{ args: unknown[] }> } & ((s: object) => void);
    [key: string]: any;
  }
  interface Helper {
    init(runtimePath?: string, userSettings?: object): void;
    settings(userSettings?: object): object;
    load(nodes: unknown, flow: object[], credentials?: object): Promise<void>;
    setFlows(flow: object[], type?: 'full' | 'flows' | 'nodes', credentials?: object): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): TestNode;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
  }
  const helper: Helper;
  export = helper;
}
