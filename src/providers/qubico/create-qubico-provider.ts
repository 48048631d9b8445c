import type {QubicoClient} from '../../api/client.ts';
import type {QubicoTask} from '../../api/schema.ts';
import {PROVIDERS} from '../../contract/providers.ts';
import type {MmaudioProvider, ProviderTask} from '../provider.ts';
import {verifyPlainSecret} from '../verify-plain-secret.ts';

/** A Qubico task in the provider's terms. */
export const qubicoTaskToProviderTask = (task: QubicoTask): ProviderTask => ({
  taskId: task.task_id,
  status: task.status,
  phase: task.status === 'completed' ? 'completed' : task.status === 'failed' ? 'failed' : 'running',
  resultUrls: (task.results ?? []).map((r) => r.url),
  estimatedTimeSeconds: typeof task.estimated_time === 'number' ? task.estimated_time : null,
});

/**
 * Qubico behind the provider interface: today's contract, unchanged (the client sends exactly what it
 * sent before; `durationInSeconds` is not part of Qubico's body). Webhooks: the plain secret.
 */
export const createQubicoProvider = (
  client: QubicoClient,
  options: {webhookSecret: string | null},
): MmaudioProvider => ({
  name: 'qubico',
  facts: PROVIDERS.qubico,
  baseUrl: client.baseUrl,
  submit: async ({durationInSeconds: _notSent, ...input}, submitOptions) =>
    qubicoTaskToProviderTask(await client.submit(input, submitOptions)),
  getTask: async (taskId, getOptions) => qubicoTaskToProviderTask(await client.getTask(taskId, getOptions)),
  waitForTask: async (taskId, waitOptions = {}) => {
    const {onUpdate, ...rest} = waitOptions;
    const task = await client.waitForTask(taskId, {
      ...rest,
      onUpdate: onUpdate ? (t) => onUpdate(qubicoTaskToProviderTask(t)) : undefined,
    });
    return qubicoTaskToProviderTask(task);
  },
  downloadResult: client.downloadResult,
  cancel: null,
  verifyWebhook: (call) =>
    options.webhookSecret === null
      ? {ok: false, reason: 'no webhook secret configured'}
      : verifyPlainSecret(call, options.webhookSecret),
  notifyTaskUpdate: client.notifyTaskUpdate,
  withTaskSlot: client.withTaskSlot,
  quota: client.quota,
  close: client.close,
});
