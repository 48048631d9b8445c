import {existsSync} from 'node:fs';
import {mkdir, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {UsageError} from '../../errors.ts';
import {tempPathFor} from '../../media/atomic.ts';

/**
 * Bad input before any work or money: an existing output is refused unless it may be replaced, then the
 * output's folder is created and a probe file written and removed there, so an output that cannot be
 * written fails now, not after the segments were paid for.
 */
export const checkOutputLocation = async (options: {
  outputLocation: string;
  overwrite: boolean;
}): Promise<void> => {
  const {outputLocation} = options;
  if (!options.overwrite && existsSync(outputLocation)) {
    throw new UsageError(`${outputLocation} exists; pass --overwrite to replace it.`);
  }
  const probe = `${tempPathFor(outputLocation)}.probe`;
  try {
    await mkdir(path.dirname(outputLocation), {recursive: true});
    await writeFile(probe, '');
  } catch (err) {
    throw new UsageError(
      `Cannot write the output ${outputLocation}: ${err instanceof Error ? err.message : String(err)}. Nothing was rendered or sent.`,
      {cause: err},
    );
  } finally {
    await rm(probe, {force: true}).catch(() => undefined);
  }
};
