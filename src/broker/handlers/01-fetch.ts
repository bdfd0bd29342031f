// Fetch (key 1), v4–17. v4 is the first version that returns magic-v2 batches as stored (older
// versions would need down-conversion). v7+ supports incremental fetch sessions (KIP-227); v12+ is
// flexible; v13+ names topics by id.
//
// Records are served as the log holds them: whole batches, starting with the batch that contains
// the fetch offset (clients skip the records before it). Long polling: when fewer than minBytes are
// available the request parks until an append to one of its partitions or until maxWaitMs.
// maxBytes bounds the response, except that the first batch of the first non-empty partition is
// always returned whole (KIP-74), so a consumer can never get stuck on a large batch.
import type {
  FetchRequest,
  FetchResponseInput,
  FetchResponseFetchableTopicResponseInput,
  FetchResponsePartitionDataInput,
} from '../../protocol/generated/fetch.js';
import { ErrorCode } from '../../protocol/errors.js';
import { iterateBatches } from '../../protocol/record-batch.js';
import { lastOffsetOf } from '../../protocol/record-batch-header.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Broker } from '../broker.js';
import { FINAL_EPOCH, INITIAL_EPOCH, sessionKey, type FetchSession, type SessionPartition } from '../fetch-sessions.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf } from './common.js';

const EMPTY = Buffer.alloc(0);
const READ_COMMITTED = 1;

/** One partition a fetch reads, resolved against the topic table. */
interface Target {
  state: SessionPartition;
  log: PartitionLog | undefined;
  /** Error found while resolving (unknown topic, epoch mismatch), reported without reading. */
  errorCode: number;
}

interface PartitionOutcome {
  target: Target;
  response: FetchResponsePartitionDataInput;
  bytes: number;
}

function resolveTopic(broker: Broker, version: number, name: string, topicId: string) {
  if (version >= 13) return broker.logs.topics().find((t) => t.topicId === topicId);
  return broker.logs.topic(name);
}

function toTarget(broker: Broker, version: number, state: SessionPartition): Target {
  const topic = resolveTopic(broker, version, state.topic, state.topicId);
  if (!topic) {
    return { state, log: undefined, errorCode: version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  state.topic = topic.name;
  state.topicId = topic.topicId;
  const log = topic.partitions[state.partition];
  if (!log) return { state, log: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  // Our leader epoch is always 0: a client that believes in a newer one knows something we do not.
  if (state.currentLeaderEpoch > 0) return { state, log, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
  return { state, log, errorCode: 0 };
}

async function readAll(broker: Broker, targets: Target[], maxBytes: number, readCommitted: boolean): Promise<PartitionOutcome[]> {
  const outcomes: PartitionOutcome[] = [];
  let total = 0;
  for (const target of targets) {
    const { state, log } = target;
    const base = {
      partitionIndex: state.partition,
      preferredReadReplica: -1,
      abortedTransactions: readCommitted ? [] : null,
    };
    if (target.errorCode !== 0 || !log) {
      outcomes.push({ target, bytes: 0, response: { ...base, errorCode: target.errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: EMPTY } });
      continue;
    }
    const budget = Math.min(state.partitionMaxBytes, Math.max(0, maxBytes - total));
    try {
      // read_committed stops at the last stable offset and learns which aborted transactions to skip.
      const lso = log.lastStableOffset;
      const read = budget > 0 || total === 0 ? await log.read(state.fetchOffset, budget, total === 0, readCommitted ? lso : Infinity) : null;
      const records = read?.records ?? EMPTY;
      total += records.length;
      const aborted = readCommitted && records.length > 0 ? log.abortedTransactions(state.fetchOffset, endOffsetOf(records)) : null;
      outcomes.push({
        target,
        bytes: records.length,
        response: {
          ...base,
          ...(aborted ? { abortedTransactions: aborted } : {}),
          errorCode: 0,
          highWatermark: log.highWatermark,
          lastStableOffset: lso,
          logStartOffset: log.logStartOffset,
          records,
        },
      });
    } catch (err) {
      outcomes.push({
        target,
        bytes: 0,
        response: { ...base, errorCode: errorCodeOf(broker, err, `reading ${state.topic}-${state.partition}`), highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset, records: EMPTY },
      });
    }
  }
  return outcomes;
}

/** The offset after the last batch in records (whole batches). */
function endOffsetOf(records: Buffer): number {
  let end = 0;
  for (const batch of iterateBatches(records)) end = lastOffsetOf(batch) + 1;
  return end;
}

/** Groups outcomes by topic, preserving order, in the response's shape. */
function toResponses(version: number, outcomes: PartitionOutcome[]): FetchResponseFetchableTopicResponseInput[] {
  const out: FetchResponseFetchableTopicResponseInput[] = [];
  let current: FetchResponseFetchableTopicResponseInput | null = null;
  let currentKey = '';
  for (const o of outcomes) {
    const key = version >= 13 ? o.target.state.topicId : o.target.state.topic;
    if (!current || key !== currentKey) {
      current = { topic: o.target.state.topic, topicId: o.target.state.topicId, partitions: [] };
      currentKey = key;
      out.push(current);
    }
    current.partitions!.push(o.response);
  }
  return out;
}

function requestedStates(req: FetchRequest): SessionPartition[] {
  const states: SessionPartition[] = [];
  for (const t of req.topics) {
    for (const p of t.partitions) {
      states.push({
        topic: t.topic,
        topicId: t.topicId,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastHighWatermark: -1,
        lastLogStartOffset: -1,
      });
    }
  }
  return states;
}

export const fetchHandler: ApiHandler<FetchRequest, FetchResponseInput> = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req) {
    const { broker, apiVersion: version } = ctx;
    const sessions = broker.fetchSessions;
    const fail = (errorCode: number): FetchResponseInput => ({ throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] });

    // --- Session bookkeeping (v7+). Sessionless: id 0 with the final epoch, as librdkafka sends.
    let session: FetchSession | null = null;
    let incremental = false;
    let states: SessionPartition[];
    if (version >= 7 && !(req.sessionId === 0 && req.sessionEpoch === FINAL_EPOCH)) {
      if (req.sessionEpoch === FINAL_EPOCH) {
        sessions.remove(req.sessionId);
        states = requestedStates(req);
      } else if (req.sessionEpoch === INITIAL_EPOCH) {
        if (req.sessionId !== 0) sessions.remove(req.sessionId);
        states = requestedStates(req);
        session = sessions.create();
        if (session) for (const s of states) session.partitions.set(sessionKey(version >= 13 ? s.topicId : s.topic, s.partition), s);
      } else {
        session = sessions.get(req.sessionId) ?? null;
        if (!session) return fail(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
        if (session.epoch !== req.sessionEpoch) return fail(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
        session.epoch = session.epoch >= 0x7fffffff ? 1 : session.epoch + 1;
        incremental = true;
        for (const f of req.forgottenTopicsData) {
          const id = version >= 13 ? f.topicId : f.topic;
          for (const p of f.partitions) session.partitions.delete(sessionKey(id, p));
        }
        for (const s of requestedStates(req)) {
          const key = sessionKey(version >= 13 ? s.topicId : s.topic, s.partition);
          const known = session.partitions.get(key);
          if (known) {
            known.fetchOffset = s.fetchOffset;
            known.partitionMaxBytes = s.partitionMaxBytes;
            known.currentLeaderEpoch = s.currentLeaderEpoch;
          } else session.partitions.set(key, s);
        }
        states = [...session.partitions.values()];
      }
    } else {
      states = requestedStates(req);
    }

    const targets = states.map((s) => toTarget(broker, version, s));
    const readCommitted = req.isolationLevel === READ_COMMITTED;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    let outcomes = await readAll(broker, targets, req.maxBytes, readCommitted);

    // --- Long poll until minBytes are available, an error shows up, or the wait ends.
    const logs = targets.map((t) => t.log).filter((l): l is PartitionLog => l !== undefined);
    for (;;) {
      const bytes = outcomes.reduce((n, o) => n + o.bytes, 0);
      const hasError = outcomes.some((o) => o.response.errorCode !== 0);
      const remaining = deadline - Date.now();
      if (bytes >= Math.max(1, req.minBytes) || hasError || remaining <= 0 || logs.length === 0 || ctx.connection.isClosed) break;
      await broker.appendWaiters.wait(logs, remaining);
      if (ctx.connection.isClosed) break;
      outcomes = await readAll(broker, targets, req.maxBytes, readCommitted);
    }

    // --- Incremental responses carry only partitions with news.
    if (incremental) {
      outcomes = outcomes.filter((o) => {
        const s = o.target.state;
        const r = o.response;
        return o.bytes > 0 || r.errorCode !== 0 || r.highWatermark !== s.lastHighWatermark || r.logStartOffset !== s.lastLogStartOffset;
      });
    }
    if (session) {
      for (const o of outcomes) {
        o.target.state.lastHighWatermark = o.response.highWatermark ?? -1;
        o.target.state.lastLogStartOffset = o.response.logStartOffset ?? -1;
      }
    }

    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: session ? session.id : 0,
      responses: toResponses(version, outcomes),
    };
  },
};
