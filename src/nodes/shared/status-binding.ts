// Keeps one node's status in step with its connection: every status event of the lease is rendered through
// the one status table (status.ts); a reconnect countdown is refreshed once a second; bursts of events (the
// queue depth changes with every publish) are coalesced so the editor gets at most a few updates a second.
// A node-level problem (a refused subscription, an invalid topic) overrides the connection's status until
// cleared.
import type { ConnectionStatus } from '../../client/types';
import type { Translate } from './errors';
import { reasonOf } from './reasons';
import type { Node } from './red';
import { hasCountdown, renderStatus, type LinkView } from './status';

/** The part of a lease the binding needs (a Lease satisfies it). */
export interface StatusSource {
  readonly status: ConnectionStatus;
  on(event: 'status', listener: (status: ConnectionStatus) => void): unknown;
  off(event: 'status', listener: (status: ConnectionStatus) => void): unknown;
}

/** Least time between two renders of bursty updates, ms. */
export const STATUS_COALESCE_MS = 250;

/** The client's status -> the status table's view (reason in words, kick loops named). */
export function linkView(s: ConnectionStatus): LinkView {
  const view: LinkView = { phase: s.phase, retryAt: s.retryAt, queued: s.queued };
  if (s.retryReason === 'kickLoop') view.reason = { key: 'mqtt-kit.reason.kick-loop' };
  else if (s.error) view.reason = reasonOf(s.error);
  if (s.storeError) view.store = reasonOf(s.storeError);
  return view;
}

export class StatusBinding {
  private view: LinkView;
  private problem: string | undefined;
  private cooldown: NodeJS.Timeout | undefined;
  private dirty = false;
  private ticker: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly onStatus = (s: ConnectionStatus) => this.update(linkView(s));

  constructor(
    private readonly node: Pick<Node, 'status'>,
    private readonly source: StatusSource,
    private readonly t: Translate,
  ) {
    this.view = linkView(source.status);
    source.on('status', this.onStatus);
    this.render();
  }

  /** Shows a node-level problem (red dot) instead of the connection status; undefined clears it. */
  setProblem(text: string | undefined): void {
    this.problem = text;
    this.render();
  }

  /** Stops listening and clears the node's status. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.source.off('status', this.onStatus);
    clearTimeout(this.cooldown);
    clearInterval(this.ticker);
    this.node.status({});
  }

  private update(view: LinkView): void {
    const urgent = view.phase !== this.view.phase || (view.store === undefined) !== (this.view.store === undefined);
    this.view = view;
    // A phase change (or the store failing / recovering) shows at once; queue-depth churn waits for the cooldown.
    if (urgent || !this.cooldown) this.render();
    else this.dirty = true;
  }

  private render(): void {
    if (this.disposed) return;
    this.dirty = false;
    this.node.status(this.problem
      ? { fill: 'red', shape: 'dot', text: this.problem }
      : renderStatus(this.view, Date.now(), this.t));
    this.armCooldown();
    this.armTicker();
  }

  private armCooldown(): void {
    clearTimeout(this.cooldown);
    this.cooldown = setTimeout(() => {
      this.cooldown = undefined;
      if (this.dirty) this.render();
    }, STATUS_COALESCE_MS);
    this.cooldown.unref();
  }

  private armTicker(): void {
    const want = !this.problem && hasCountdown(this.view);
    if (want && !this.ticker) {
      this.ticker = setInterval(() => this.render(), 1000);
      this.ticker.unref();
    } else if (!want && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }
}
