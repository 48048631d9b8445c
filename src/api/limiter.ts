// The semaphore now lives in create-semaphore.ts; providers/create-provider-base.ts still imports it from
// here. Point that import at ./create-semaphore.ts and delete this file.
export {createSemaphore} from './create-semaphore.ts';
