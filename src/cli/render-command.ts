import path from 'node:path';
import {renderWithAudio} from '../pipeline/render/render-with-audio.ts';
import type {CliContext} from './cli-context.ts';
import {billLine, needArgs} from './cli-format.ts';
import {optionsFromFlags} from './options-from-flags.ts';
import type {CliFlags} from './parse-cli-args.ts';
import {createProgressPrinter} from './progress-printer.ts';
import {remotionSettingsFor, sessionOptionsFrom} from './remotion-settings-for.ts';

export const renderCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  needArgs('render', positionals, 2, 3, '<entry> <composition-id> [output.mp4] [options]');
  const [entry, id, output] = positionals;
  if (flags.renderer === 'lambda') {
    const {lambdaRenderCommand} = await import('./lambda-render-command.ts');
    return lambdaRenderCommand(entry, output, optionsFromFlags(entry, id, flags, ctx), flags, ctx);
  }
  const remotion = await remotionSettingsFor(flags, ctx, output ?? null);
  const printer = createProgressPrinter({stream: ctx.stdout, command: 'render'});
  try {
    const result = await renderWithAudio({
      ...optionsFromFlags(entry, id, flags, ctx),
      ...sessionOptionsFrom(remotion),
      ...remotion.render,
      webpackOverride: remotion.webpackOverride,
      overwrite: remotion.overwrite,
      ...(remotion.outputLocation ? {outputLocation: remotion.outputLocation} : {}),
      onProgress: printer.update,
    });
    printer.finish();
    ctx.stdout.write(`Wrote ${path.relative(process.cwd(), result.outputLocation)}\n`);
    ctx.stdout.write(`${billLine(result)}\n`);
    return 0;
  } finally {
    printer.finish({completed: false});
  }
};
