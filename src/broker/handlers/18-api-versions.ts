// ApiVersions (key 18), v0–4. v3+ requests carry the client's software name and version; the
// response header is always v0 (see protocol/headers.ts). Versions we do not know are answered by
// the connection itself with a v0 body and UNSUPPORTED_VERSION (KIP-511).
import type { ApiVersionsRequest, ApiVersionsResponseInput } from '../../protocol/generated/api-versions.js';
import type { ApiHandler } from './index.js';

export const apiVersionsHandler: ApiHandler<ApiVersionsRequest, ApiVersionsResponseInput> = {
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx) {
    return ctx.broker.apiVersionsResponse(0);
  },
};
