import type {z} from 'zod';
import {audioSrcProblem} from './audio-src.ts';
import {manifestSchema} from './manifest.ts';

/**
 * A generated-audio manifest given in input props (`mmaudio.manifest`), for renders that cannot see the
 * `public/` folder `generate` wrote into (Remotion Lambda, a site deployed before the audio existed):
 * the same schema as `public/mmaudio/<id>/manifest.json`, and every `src` (segments and takes) an
 * `http(s)` URL or a path in the public folder. `generate --publish-url s3://…` prints one.
 */
export const propsManifestSchema = manifestSchema.superRefine((manifest, ctx) => {
  manifest.segments.forEach((segment, i) => {
    const problem = audioSrcProblem(segment.src);
    if (problem) ctx.addIssue({code: 'custom', path: ['segments', i, 'src'], message: problem});
    segment.takes?.forEach((take, t) => {
      const takeProblem = audioSrcProblem(take.src);
      if (takeProblem) {
        ctx.addIssue({code: 'custom', path: ['segments', i, 'takes', t, 'src'], message: takeProblem});
      }
    });
  });
});

export type PropsManifest = z.infer<typeof propsManifestSchema>;
