// Reading a JSON request body with a size limit, shared by the registry's REST API and REST ingest;
// each maps the two failures to its own error codes.
import type { IncomingMessage } from 'node:http';

/** The parsed body, or undefined for an empty one. */
export function readJsonBody(req: IncomingMessage, maxBytes: number, errors: { tooLarge: () => Error; malformed: () => Error }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(errors.tooLarge());
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(errors.malformed());
      }
    });
    req.on('error', reject);
  });
}
