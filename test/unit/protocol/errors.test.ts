import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_ERRORS, ErrorCode, KafkaProtocolError, errorInfo, errorMessage, errorName, isRetriable } from '../../../src/protocol/errors.js';

test('well-known codes have Kafka’s numbers', () => {
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.CORRUPT_MESSAGE, 2);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  assert.equal(ErrorCode.MESSAGE_TOO_LARGE, 10);
  assert.equal(ErrorCode.NOT_COORDINATOR, 16);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 43);
  assert.equal(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 45);
  assert.equal(ErrorCode.INVALID_RECORD, 87);
  assert.equal(ErrorCode.PRODUCER_FENCED, 90);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  assert.equal(ErrorCode.TRANSACTION_ABORTABLE, 120);
  assert.equal(ErrorCode.SHARE_SESSION_LIMIT_REACHED, 133);
});

test('the catalogue covers every code from -1 to 133 exactly once', () => {
  const codes = ALL_ERRORS.map((e) => e.code);
  assert.deepEqual(codes, Array.from({ length: 135 }, (_, i) => i - 1));
  assert.equal(new Set(ALL_ERRORS.map((e) => e.name)).size, ALL_ERRORS.length);
  for (const e of ALL_ERRORS) {
    assert.match(e.name, /^[A-Z][A-Z0-9_]*$/);
    assert.ok(e.message.length > 5 && e.message.endsWith('.'), `${e.name} has a one-line message`);
    assert.equal(ErrorCode[e.name], e.code);
    assert.equal(errorInfo(e.code), e);
  }
});

test('names and retriability', () => {
  assert.equal(errorName(3), 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal(errorName(9999), 'UNKNOWN_ERROR_CODE_9999');
  assert.equal(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER), true);
  assert.equal(isRetriable(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), true);
  assert.equal(isRetriable(ErrorCode.CORRUPT_MESSAGE), true);
  assert.equal(isRetriable(ErrorCode.CONCURRENT_TRANSACTIONS), true);
  assert.equal(isRetriable(ErrorCode.MESSAGE_TOO_LARGE), false);
  assert.equal(isRetriable(ErrorCode.REBALANCE_IN_PROGRESS), false);
  assert.equal(isRetriable(ErrorCode.PRODUCER_FENCED), false);
  assert.equal(isRetriable(ErrorCode.NONE), false);
  assert.equal(isRetriable(9999), false);
  assert.match(errorMessage(9999), /9999/);
});

test('KafkaProtocolError carries code, name and retriability', () => {
  const err = new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, 'after 30000 ms');
  assert.ok(err instanceof Error);
  assert.equal(err.errorCode, 7);
  assert.equal(err.errorName, 'REQUEST_TIMED_OUT');
  assert.equal(err.retriable, true);
  assert.equal(err.message, 'REQUEST_TIMED_OUT (7): after 30000 ms');
  assert.equal(new KafkaProtocolError(10).message, `MESSAGE_TOO_LARGE (10): ${errorMessage(10)}`);
});
