import type {QubicoClient} from '../../api/client.ts';
import {UnknownSubmitError} from '../../backends/unknown-submit-error.ts';
import type {Logger} from '../../log.ts';
import {findUnknownSubmits, type SubmitJournal, type UnknownSubmit} from '../../state/journal.ts';
import type {PlannedSegment} from '../plan.ts';

/**
 * Bad news before work: a segment whose earlier submit has an unknown outcome stops the run now, before
 * the frame pass, unless the user asked to submit it again (then it is named in a warning). Returns the
 * unknown submits the user acknowledged. (The check by cache key, once the picture is known, is the
 * backend's.)
 */
export const checkUnknownSubmits = async (options: {
  client: Pick<QubicoClient, 'baseUrl'> | null;
  journal: SubmitJournal;
  compositionId: string;
  segments: PlannedSegment[];
  resubmitUnknown: boolean;
  logger: Logger;
}): Promise<UnknownSubmit[]> => {
  const {client, journal, compositionId, segments, resubmitUnknown, logger} = options;
  if (!client) return [];
  const unknown = await findUnknownSubmits(journal, {baseUrl: client.baseUrl, compositionId, segments});
  if (unknown.length > 0 && !resubmitUnknown) throw new UnknownSubmitError(unknown);
  if (unknown.length > 0) {
    logger.warn(
      `Submitting again, as asked (--resubmit-unknown), ${unknown.length} segment(s) whose earlier submit has an unknown outcome: ${unknown.map((u) => u.segmentIndex + 1).join(', ')}.`,
    );
  }
  return unknown;
};
