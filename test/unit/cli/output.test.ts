import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLine, table, useColour } from '../../../src/cli/output.js';
import { UsageError } from '../../../src/cli/args.js';
import { kafkaError } from '../../../src/client/errors.js';

test('tables align columns and colour only the header, only when asked', () => {
  assert.equal(table(['A', 'LONGER'], [[1, 'x'], ['wide cell', 'y']]), 'A          LONGER\n1          x\nwide cell  y\n');
  assert.match(table(['A'], [['1']], true), /^\x1b\[1mA\x1b\[22m\n1\n$/);
});

test('colour needs a TTY and no NO_COLOR', () => {
  assert.equal(useColour({ isTTY: true }, {}), true);
  assert.equal(useColour({ isTTY: false }, {}), false);
  assert.equal(useColour({}, {}), false);
  assert.equal(useColour({ isTTY: true }, { NO_COLOR: '1' }), false);
});

test('errors are one line: Kafka errors carry name, code and where', () => {
  const line = errorLine(kafkaError(36, 'topic orders', 'Topic orders already exists.'));
  assert.equal(line, 'kappa: TOPIC_ALREADY_EXISTS (36) on topic orders: Topic orders already exists.');
  assert.equal(errorLine(new UsageError('missing topic name', 'produce')), 'kappa: missing topic name (see: kappa produce --help)');
  assert.doesNotMatch(errorLine(new Error('boom')), /\n/);
});
