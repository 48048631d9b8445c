import {isUnknownOutcome, type SubmitJournal, type UnknownSubmit} from '../../state/journal.ts';

/**
 * Unknown submits the user chose to pay again for and that this run did not consume (the picture or the
 * prompt changed since): acknowledged, so they do not stop later runs.
 */
export const releaseAcknowledgedSubmits = async (
  journal: SubmitJournal,
  acknowledged: UnknownSubmit[],
): Promise<void> => {
  for (const u of acknowledged) {
    const entry = await journal.get(u.cacheKey);
    if (entry && isUnknownOutcome(entry)) await journal.remove(u.cacheKey);
  }
};
