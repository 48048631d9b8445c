import type {FaultState} from './faults.ts';
import type {SimulatedTask, WebhookDelivery} from './types.ts';

const WEBHOOK_TIMEOUT_MS = 5000;

/** What one delivery sends: the contract builds (and signs) it per attempt, told which knobs apply. */
export type WebhookCallSpec = {headers: Record<string, string>; body: string};
export type WebhookBuild = (knobs: {wrongSecret: boolean; stale: boolean}) => WebhookCallSpec;

/**
 * POSTs webhooks and records every delivery (`webhookDeliveries`), with the knobs every host shares:
 * `drop` (recorded, not sent), `duplicate` (sent twice), `wrongSecret` and `stale` (passed to the builder,
 * which signs accordingly). A delivery that straddles a `reset()` is not recorded in the next generation.
 */
export const createWebhookSender = (faults: FaultState) => {
  const deliveries: WebhookDelivery[] = [];
  let abortAll = new AbortController();

  const post = async (
    task: SimulatedTask,
    endpoint: string,
    call: WebhookCallSpec,
    wrongSecret: boolean,
    stale: boolean,
  ) => {
    const at = Date.now();
    const abort = abortAll;
    let status: number | null = null;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {'content-type': 'application/json', ...call.headers},
        body: call.body,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch {
      status = null;
    }
    if (abort.signal.aborted) return;
    deliveries.push({
      taskId: task.taskId,
      endpoint,
      status,
      at,
      wrongSecret,
      dropped: false,
      taskStatus: task.status,
      ...(stale ? {stale} : {}),
    });
  };

  return {
    deliveries,
    deliver: async (task: SimulatedTask, endpoint: string, build: WebhookBuild): Promise<void> => {
      const knobs = faults.faults.webhook;
      if (knobs.drop) {
        deliveries.push({
          taskId: task.taskId,
          endpoint,
          status: null,
          at: Date.now(),
          wrongSecret: false,
          dropped: true,
          taskStatus: task.status,
        });
        return;
      }
      const wrongSecret = Boolean(knobs.wrongSecret);
      const stale = Boolean(knobs.stale);
      const times = knobs.duplicate ? 2 : 1;
      for (let i = 0; i < times; i++) {
        await post(task, endpoint, build({wrongSecret, stale}), wrongSecret, stale);
      }
    },
    reset: () => {
      abortAll.abort();
      abortAll = new AbortController();
      deliveries.length = 0;
    },
    close: () => abortAll.abort(),
  };
};

export type WebhookSender = ReturnType<typeof createWebhookSender>;
