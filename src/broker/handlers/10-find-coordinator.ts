// FindCoordinator (key 10), v0–6. A single node coordinates every group (key type 0) and every
// transactional id (key type 1): the answer is always this broker. v0 has only a key; v1–3 add the
// key type and an error message; v4+ batch several keys in coordinatorKeys and answer per key.
// Asking for a group creates __consumer_offsets first when missing, as Kafka does.
import type { FindCoordinatorRequest, FindCoordinatorResponseInput } from '../../protocol/generated/find-coordinator.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

const GROUP = 0;
const TRANSACTION = 1;

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponseInput> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const keyType = apiVersion >= 1 ? req.keyType : GROUP;
    let errorCode = 0;
    let errorMessage: string | null = null;
    if (keyType !== GROUP && keyType !== TRANSACTION) {
      errorCode = ErrorCode.INVALID_REQUEST;
      errorMessage = `Unknown coordinator type ${keyType}`;
    } else if (keyType === GROUP) {
      try {
        await broker.offsetsTopic.ensure();
      } catch (err) {
        errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
        errorMessage = `__consumer_offsets is not available: ${(err as Error).message}`;
        broker.logOnce('offsets-topic-create', `creating __consumer_offsets failed: ${(err as Error).message}`);
      }
    }
    const node = errorCode === 0
      ? { nodeId: broker.nodeId, host: broker.identity.host, port: broker.identity.port }
      : { nodeId: -1, host: '', port: -1 };
    if (apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key) => ({ key, ...node, errorCode, errorMessage })) };
    }
    return { throttleTimeMs: 0, errorCode, errorMessage, ...node };
  },
};
