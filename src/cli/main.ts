// The kappa command: parse argv, run the command's function, map failures to one stderr line and
// a non-zero exit code.
import { readFileSync } from 'node:fs';
import { parseCommandLine, UsageError, type Command } from './args.js';
import { consumeCommand } from './commands/consume.js';
import { produceCommand } from './commands/produce.js';
import { topicsAlter, topicsCreate, topicsDelete, topicsDeleteRecords, topicsDescribe, topicsList } from './commands/topics.js';
import { groupsDelete, groupsDescribe, groupsList, groupsResetOffsets } from './commands/groups.js';
import { configsAlter, configsDescribe } from './commands/configs.js';
import { transactionsDescribe, transactionsList, transactionsProducers } from './commands/transactions.js';
import { errorLine, processIo, type Io } from './output.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function dispatch(cmd: Command, io: Io): Promise<number> {
  switch (cmd.kind) {
    case 'help':
      io.stdout.write(cmd.text + '\n');
      return 0;
    case 'version':
      io.stdout.write(`kappa ${packageVersion()}\n`);
      return 0;
    // Loaded on demand: client commands need none of the broker's modules.
    case 'broker':
      return (await import('./commands/broker.js')).runBroker(cmd, io);
    case 'up':
      return (await import('./commands/broker.js')).runUp(cmd, io);
    case 'registry':
      return (await import('./commands/registry.js')).runRegistry(cmd, io);
    case 'source-quotes':
      return (await import('./commands/source.js')).runQuoteSource(cmd, io);
    case 'source-http':
      return (await import('./commands/source.js')).runHttpSource(cmd, io);
    case 'source-replay':
      return (await import('./commands/source.js')).runReplaySource(cmd, io);
    case 'job-run':
      return (await import('./commands/job.js')).runJobCommand(cmd, io);
    case 'job-list':
    case 'job-status':
    case 'job-stop':
    case 'job-start':
      return (await import('./commands/job.js')).jobManagerCommand(cmd, io);
    case 'topics-create':
      return topicsCreate(cmd, io);
    case 'topics-list':
      return topicsList(cmd, io);
    case 'topics-describe':
      return topicsDescribe(cmd, io);
    case 'topics-delete':
      return topicsDelete(cmd, io);
    case 'topics-alter':
      return topicsAlter(cmd, io);
    case 'topics-delete-records':
      return topicsDeleteRecords(cmd, io);
    case 'groups-list':
      return groupsList(cmd, io);
    case 'groups-describe':
      return groupsDescribe(cmd, io);
    case 'groups-delete':
      return groupsDelete(cmd, io);
    case 'groups-reset-offsets':
      return groupsResetOffsets(cmd, io);
    case 'configs-describe':
      return configsDescribe(cmd, io);
    case 'configs-alter':
      return configsAlter(cmd, io);
    case 'transactions-list':
      return transactionsList(cmd, io);
    case 'transactions-describe':
      return transactionsDescribe(cmd, io);
    case 'transactions-producers':
      return transactionsProducers(cmd, io);
    case 'produce':
      return produceCommand(cmd, io);
    case 'consume':
      return consumeCommand(cmd, io);
  }
}

/** Runs the CLI; resolves with the exit code (2 for usage errors, 1 for failures). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    return await dispatch(parseCommandLine(argv, io.env), io);
  } catch (err) {
    io.stderr.write(errorLine(err) + '\n');
    if (io.env.KAPPA_DEBUG && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
    return err instanceof UsageError ? 2 : 1;
  }
}
