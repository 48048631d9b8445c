import path from 'node:path';
import {writeFileAtomic} from '../media/atomic.ts';
import type {PublishedAudio} from '../state/publish-to-s3.ts';

/** Where `generate --publish-url` writes the input props to render with: `out/<id>.mmaudio-props.json`. */
export const publishedPropsPath = (compositionId: string, cwd = process.cwd()): string =>
  path.join(cwd, 'out', `${compositionId}.mmaudio-props.json`);

/**
 * Says what `--publish-url` uploaded, writes the input props to render with into a file (Remotion's
 * `--props` takes a file) and prints the command, then the props themselves on the last line (one line
 * of JSON, for scripts).
 */
export const printPublished = async (
  published: PublishedAudio,
  compositionId: string,
  out: {write: (chunk: string) => unknown},
): Promise<string> => {
  const file = publishedPropsPath(compositionId);
  await writeFileAtomic(file, `${JSON.stringify(published.inputProps, null, 2)}\n`);
  const relative = path.relative(process.cwd(), file);
  const wavs = published.uploaded + published.alreadyThere;
  out.write(
    `Published ${wavs} wav${wavs === 1 ? '' : 's'} (${published.uploaded} uploaded, ${published.alreadyThere} already there) and the manifest: ${published.manifestUrl}\n`,
  );
  out.write(`Input props (mmaudio.manifest) written to ${relative}. Render on Lambda with:\n`);
  out.write(`  npx remotion lambda render <serve-url> ${compositionId} --props=${relative}\n`);
  out.write(`${JSON.stringify(published.inputProps)}\n`);
  return file;
};
