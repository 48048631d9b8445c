export {simulatorErrorCodes} from './error-codes.ts';
export type {SimulatedSignalOptions} from './signal.ts';
export {chirpFrequencies, SIMULATED_AMPLITUDE, simulatedSignal} from './signal.ts';
export {startSimulator} from './start-simulator.ts';
export type {
  RecordedRequest,
  RequestKind,
  SimulatedTask,
  Simulator,
  SimulatorFaults,
  SimulatorOptions,
  TaskStatus,
  WebhookDelivery,
} from './types.ts';
