import path from 'node:path';
import type {GenerateAudioOptions} from '../pipeline/options.ts';
import type {CliContext} from './cli-context.ts';
import {
  findRemotionRoot,
  loadRemotionConfig,
  type ResolvedRemotionSettings,
  resolveRemotionSettings,
} from './load-remotion-config.ts';
import type {CliFlags} from './parse-cli-args.ts';

/**
 * The project's remotion.config.ts (loaded with Remotion's loader) and Remotion's flags, resolved by
 * Remotion's own option getters: flag > config > default, as `npx remotion render`.
 */
export const remotionSettingsFor = async (
  flags: CliFlags,
  ctx: CliContext,
  outputLocation: string | null = null,
): Promise<ResolvedRemotionSettings> => {
  const remotionRoot = findRemotionRoot();
  const configFile = await loadRemotionConfig(remotionRoot, flags.remotion.config as string | undefined);
  const settings = resolveRemotionSettings({
    commandLine: flags.remotion,
    remotionRoot,
    configFile,
    outputLocation,
  });
  if (configFile) ctx.logger.verbose(`Remotion config: ${path.relative(process.cwd(), configFile)}`);
  const fromConfig = Object.entries(settings.sources)
    .filter(([, source]) => !/default|cli|flag/i.test(source))
    .map(([name]) => name);
  if (fromConfig.length) ctx.logger.verbose(`From the Remotion config: ${fromConfig.join(', ')}`);
  return settings;
};

/** The library options that remotion.config.ts and Remotion's flags decide. */
export const sessionOptionsFrom = (r: ResolvedRemotionSettings): Partial<GenerateAudioOptions> => ({
  ...(r.publicDir ? {publicDir: r.publicDir} : {}),
  ...(r.concurrency !== null ? {concurrency: r.concurrency} : {}),
  ...(r.browserExecutable ? {browserExecutable: r.browserExecutable} : {}),
  ...(r.chromeMode ? {chromeMode: r.chromeMode} : {}),
});
