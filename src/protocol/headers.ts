// Which request/response header version goes with an API version. Flexible API versions use the
// flexible headers (request v2, response v1); ApiVersions' response header is always v0, because a
// client must be able to read it before it knows which versions the broker speaks.
import { API_CODECS } from './generated/index.js';

const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const codec = API_CODECS.get(apiKey);
  return codec !== undefined && codec.flexibleMin >= 0 && apiVersion >= codec.flexibleMin;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (isFlexible(apiKey, apiVersion)) return 2;
  // ControlledShutdown v0 predates the client id field.
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}
