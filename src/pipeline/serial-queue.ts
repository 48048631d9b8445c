/** Runs async tasks one at a time, in the order they were queued. */
export type SerialQueue = {run: <T>(task: () => Promise<T>) => Promise<T>};

export const createSerialQueue = (): SerialQueue => {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run: <T>(task: () => Promise<T>): Promise<T> => {
      const next = tail.then(task, task);
      tail = next.catch(() => undefined);
      return next;
    },
  };
};
