// The driver's side of the reconnect policy: keeps the backoff state between attempts and the one timer
// that runs the next attempt. The decision itself is planReconnect() (pure, reconnect.ts).
import { INITIAL_BACKOFF_STATE, planReconnect, type BackoffOptions, type BackoffState, type ConnectionOutcome, type ReconnectPlan } from './reconnect';

export class ReconnectTimer {
  private state: BackoffState = INITIAL_BACKOFF_STATE;
  private timer: NodeJS.Timeout | undefined;

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Plans the next attempt after `outcome` and runs `attempt` when its delay is over. */
  schedule(policy: BackoffOptions, outcome: ConnectionOutcome, now: number, attempt: () => void): ReconnectPlan {
    const { state, plan } = planReconnect(this.state, outcome, now, policy);
    this.state = state;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      attempt();
    }, plan.delayMs);
    return plan;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
