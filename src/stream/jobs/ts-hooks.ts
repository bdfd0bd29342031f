// Module hooks that let Node 20–22 import a job written in TypeScript: `.ts` files are transpiled
// (types stripped, nothing checked) with the typescript package on load, and an import of `./x.js`
// finds `./x.ts` when only that exists, as TypeScript's own convention has it. Registered by
// job-loader.ts only when Node cannot strip types itself.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Resolve = (specifier: string, context: unknown) => Promise<{ url: string }>;
type Load = (url: string, context: unknown) => Promise<{ format?: string; source?: unknown }>;

let ts: typeof import('typescript') | undefined;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url: string, context: unknown, next: Load): Promise<{ format?: string; source?: unknown; shortCircuit?: boolean }> {
  if (!url.startsWith('file:') || !/\.m?ts$/.test(url)) return next(url, context);
  ts ??= (await import('typescript')).default as unknown as typeof import('typescript');
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
