import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** What a user's `import … from 'remotion-mmaudio'` sees: Node resolves the package's own exports map. */
const exportsOf = (specifier: string): string[] =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)));`,
      ],
      {cwd: root, encoding: 'utf8'},
    ),
  );

describe('the package entries', () => {
  it('remotion-mmaudio (Node) exports the documented API', () => {
    const names = exportsOf('remotion-mmaudio');
    for (const name of [
      'generateAudio',
      'renderWithAudio',
      'planSegments',
      'createQubicoClient',
      'startSimulator',
      'MMAudioError',
      'UsageError',
      'QubicoApiError',
      'BadRequestError',
      'AuthenticationError',
      'PayloadTooLargeError',
      'RateLimitError',
      'InternalServerError',
      'ApiConnectionError',
      'RequestTimeoutError',
      'RequestAbortedError',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('remotion-mmaudio/react exports the documented API and imports nothing from Node', () => {
    const names = exportsOf('remotion-mmaudio/react');
    for (const name of ['GeneratedAudio', 'useGeneratedAudio', 'mmaudioPropsSchema', 'manifestSchema']) {
      expect(names, name).toContain(name);
    }
    // react/ may import contract/ (browser-safe limits and schemas), and both only these packages.
    const specifiers = new Set<string>();
    for (const sub of ['dist/react', 'dist/contract']) {
      const dir = path.join(root, sub);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
        for (const m of readFileSync(path.join(dir, file), 'utf8').matchAll(
          /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g,
        )) {
          specifiers.add(m[1]);
        }
      }
    }
    const external = [...specifiers].filter((s) => !s.startsWith('./') && !s.startsWith('../contract/'));
    // @remotion/studio: its writeStaticFile(), called in Studio only.
    expect(external.sort()).toEqual([
      '@remotion/media',
      '@remotion/studio',
      'react',
      'react/jsx-runtime',
      'remotion',
      'zod',
    ]);
  });
});
