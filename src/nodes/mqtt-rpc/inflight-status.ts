// A requester's status: the shared connection status (status table) followed by how many requests are
// open, e.g. "connected · 3 in flight". The count is re-rendered at most every 250 ms.
import type { Translate } from '../shared/errors';
import type { Node, NodeStatus } from '../shared/red';
import { STATUS_COALESCE_MS } from '../shared/status-binding';

export class InflightStatus {
  private last: NodeStatus | Record<string, never> = {};
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly node: Pick<Node, 'status'>,
    private readonly t: Translate,
  ) {}

  /** Stands in for the node in a StatusBinding: connection status renders go through here. */
  readonly sink: Pick<Node, 'status'> = {
    status: (s) => {
      this.last = s;
      this.render();
    },
  };

  setCount(count: number): void {
    this.count = count;
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, STATUS_COALESCE_MS);
    this.timer.unref();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }

  private render(): void {
    if (this.disposed) return;
    const s = this.last as NodeStatus;
    if (!s.text || this.count === 0) return this.node.status(this.last);
    this.node.status({ ...s, text: `${s.text} · ${this.t('mqtt-rpc.status.inflight', { count: this.count })}` });
  }
}
