// What the CLI prints: tables for people, JSON for programs, colour only on a terminal, and errors
// as one line on stderr.
import { KafkaClientError } from '../client/errors.js';
import { UsageError } from './args.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function bold(text: string, colour: boolean): string {
  return colour ? `\x1b[1m${text}\x1b[22m` : text;
}

export function red(text: string, colour: boolean): string {
  return colour ? `\x1b[31m${text}\x1b[39m` : text;
}

/** Left-aligned columns, two spaces apart; the header in bold on a terminal. */
export function table(headers: string[], rows: Array<Array<string | number>>, colour = false): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [bold(line(headers), colour), ...cells.map(line)].join('\n') + '\n';
}

/** One line describing an error, without a stack trace. */
export function errorLine(err: unknown): string {
  if (err instanceof UsageError) return `kappa: ${err.message}${err.command ? ` (see: kappa ${err.command} --help)` : ' (see: kappa --help)'}`;
  if (err instanceof KafkaClientError) return `kappa: ${err.message}`;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return `kappa: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
  }
  return `kappa: ${String(err)}`;
}
