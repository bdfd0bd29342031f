// `kappa groups …`: consumer groups as kafka-consumer-groups shows and changes them — members and
// their partitions, committed offsets against log-end offsets (lag), offset resets planned first and
// applied only with --execute.
import type { Admin } from '../../client/admin.js';
import type { GroupDescription } from '../../client/group-admin.js';
import { KafkaClientError } from '../../client/errors.js';
import { table, useColour, type Io } from '../output.js';
import type { ClientOptions } from '../args.js';
import { withAdmin } from './topics.js';

export type ResetSpec = { to: 'earliest' } | { to: 'latest' } | { to: 'offset'; offset: number } | { to: 'datetime'; timestamp: number } | { shiftBy: number };

export interface GroupOffsetRow {
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  /** null when nothing is committed. */
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
}

export interface GroupReport {
  group: GroupDescription;
  offsets: GroupOffsetRow[];
}

/** Everything `groups describe` shows, usable from code. */
export async function describeGroupReport(admin: Admin, groupId: string): Promise<GroupReport> {
  const group = await admin.groups.describeGroup(groupId);
  const committed = await admin.groups.fetchOffsets(groupId);
  const owner = new Map<string, { memberId: string; clientId: string }>();
  for (const m of group.members) for (const [topic, parts] of Object.entries(m.assignment)) for (const p of parts) owner.set(`${topic}:${p}`, m);
  const topics = new Set([...committed.map((c) => c.topic), ...group.members.flatMap((m) => Object.keys(m.assignment))]);
  const offsets: GroupOffsetRow[] = [];
  for (const topic of [...topics].sort()) {
    const ends = new Map((await admin.listOffsets(topic, 'latest')).map((o) => [o.partition, o.offset]));
    const partitions = new Set([...committed.filter((c) => c.topic === topic).map((c) => c.partition), ...[...owner.keys()].filter((k) => k.startsWith(`${topic}:`)).map((k) => Number(k.slice(topic.length + 1)))]);
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const c = committed.find((x) => x.topic === topic && x.partition === partition);
      const committedOffset = c?.offset ?? -1;
      const logEndOffset = ends.get(partition) ?? -1;
      const m = owner.get(`${topic}:${partition}`);
      offsets.push({ topic, partition, committedOffset, logEndOffset, lag: committedOffset >= 0 && logEndOffset >= 0 ? logEndOffset - committedOffset : null, memberId: m?.memberId ?? null, clientId: m?.clientId ?? null });
    }
  }
  return { group, offsets };
}

export async function groupsList(opts: { client: ClientOptions }, io: Io): Promise<number> {
  const groups = await withAdmin(opts.client, (admin) => admin.groups.listGroups());
  if (opts.client.json) io.stdout.write(JSON.stringify(groups) + '\n');
  else io.stdout.write(table(['GROUP', 'STATE', 'PROTOCOL TYPE'], groups.map((g) => [g.groupId, g.state, g.protocolType]), useColour(io.stdout, io.env)));
  return 0;
}

export async function groupsDescribe(opts: { client: ClientOptions; group: string }, io: Io): Promise<number> {
  const report = await withAdmin(opts.client, (admin) => describeGroupReport(admin, opts.group));
  if (opts.client.json) {
    io.stdout.write(JSON.stringify(report) + '\n');
    return 0;
  }
  const colour = useColour(io.stdout, io.env);
  const g = report.group;
  io.stdout.write(`Group ${g.groupId}: ${g.state}, ${g.members.length} member(s)${g.protocol ? `, assignor ${g.protocol}` : ''}\n\n`);
  if (g.members.length > 0) {
    io.stdout.write(
      table(
        ['MEMBER', 'CLIENT', 'HOST', 'PARTITIONS'],
        g.members.map((m) => [m.memberId, m.clientId, m.clientHost, Object.entries(m.assignment).map(([t, ps]) => `${t}:${ps.join(',')}`).join(' ') || '-']),
        colour,
      ) + '\n',
    );
  }
  io.stdout.write(
    table(
      ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'MEMBER'],
      report.offsets.map((o) => [o.topic, o.partition, o.committedOffset >= 0 ? o.committedOffset : '-', o.logEndOffset, o.lag ?? '-', o.memberId ?? '-']),
      colour,
    ),
  );
  return 0;
}

export async function groupsDelete(opts: { client: ClientOptions; group: string }, io: Io): Promise<number> {
  await withAdmin(opts.client, (admin) => admin.groups.deleteGroup(opts.group));
  if (opts.client.json) io.stdout.write(JSON.stringify({ deleted: opts.group }) + '\n');
  else io.stdout.write(`Deleted group ${opts.group}.\n`);
  return 0;
}

export interface ResetPlanRow {
  topic: string;
  partition: number;
  currentOffset: number;
  newOffset: number;
}

/** The new offset of every selected partition; the group's committed offsets are not touched. */
export async function planReset(admin: Admin, groupId: string, topic: string, partitions: number[] | undefined, spec: ResetSpec): Promise<ResetPlanRow[]> {
  const committed = await admin.groups.fetchOffsets(groupId);
  const [earliest, latest] = await Promise.all([admin.listOffsets(topic, 'earliest', partitions), admin.listOffsets(topic, 'latest', partitions)]);
  const low = new Map(earliest.map((o) => [o.partition, o.offset]));
  const high = new Map(latest.map((o) => [o.partition, o.offset]));
  const byTime = 'to' in spec && spec.to === 'datetime' ? new Map((await admin.listOffsets(topic, { timestamp: spec.timestamp }, partitions)).map((o) => [o.partition, o.offset])) : null;
  return latest.map(({ partition }) => {
    const lo = low.get(partition)!;
    const hi = high.get(partition)!;
    const current = committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? -1;
    let target: number;
    if ('shiftBy' in spec) target = (current >= 0 ? current : lo) + spec.shiftBy;
    else if (spec.to === 'earliest') target = lo;
    else if (spec.to === 'latest') target = hi;
    else if (spec.to === 'offset') target = spec.offset;
    else {
      const found = byTime!.get(partition) ?? -1;
      target = found >= 0 ? found : hi;
    }
    // As kafka-consumer-groups does, targets outside the log are clamped to it.
    return { topic, partition, currentOffset: current, newOffset: Math.min(Math.max(target, lo), hi) };
  });
}

export async function groupsResetOffsets(
  opts: { client: ClientOptions; group: string; topic: string; partitions?: number[]; spec: ResetSpec; execute: boolean },
  io: Io,
): Promise<number> {
  const plan = await withAdmin(opts.client, async (admin) => {
    // As kafka-consumer-groups does, for a dry run too: a plan for a live group would be stale at once,
    // and the coordinator refuses commits outside a generation while the group has members.
    const { state } = await admin.groups.describeGroup(opts.group);
    if (state !== 'Empty' && state !== 'Dead') {
      throw new KafkaClientError('GROUP_NOT_INACTIVE', `Assignments can only be reset if the group '${opts.group}' is inactive, but the current state is ${state}.`);
    }
    const rows = await planReset(admin, opts.group, opts.topic, opts.partitions, opts.spec);
    if (opts.execute) await admin.groups.setOffsets(opts.group, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })));
    return rows;
  });
  if (opts.client.json) {
    io.stdout.write(JSON.stringify({ group: opts.group, executed: opts.execute, offsets: plan }) + '\n');
    return 0;
  }
  io.stdout.write(table(['TOPIC', 'PARTITION', 'CURRENT', 'NEW'], plan.map((r) => [r.topic, r.partition, r.currentOffset >= 0 ? r.currentOffset : '-', r.newOffset]), useColour(io.stdout, io.env)));
  io.stdout.write(opts.execute ? `Committed the new offsets of group ${opts.group}.\n` : 'Dry run: nothing changed. Add --execute to commit these offsets.\n');
  return 0;
}
