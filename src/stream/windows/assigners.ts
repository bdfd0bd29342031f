// Window assigners: which windows a timestamp belongs to. Windows are [start, end) in epoch ms;
// a window's last instant is end - 1, when its event-time timer fires.
import type { TimeWindow } from '../types.js';

export interface WindowAssigner {
  readonly kind: 'tumbling' | 'sliding' | 'session';
  readonly eventTime: boolean;
  /** The windows an element with this timestamp falls in (a session window starts at it). */
  assign(timestamp: number): TimeWindow[];
  /** Session windows merge when they overlap. */
  readonly merging: boolean;
  /**
   * Every window's length, for assigners whose windows all have one (tumbling, sliding): the window
   * operator then files a window under its start alone.
   */
  readonly sizeMs?: number;
  describe(): string;
}

const mod = (a: number, b: number) => ((a % b) + b) % b;

function checkPositive(what: string, ms: number): void {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new Error(`${what} must be a positive number of milliseconds, got ${ms}`);
}

function tumbling(sizeMs: number, offsetMs: number, eventTime: boolean): WindowAssigner {
  checkPositive('window size', sizeMs);
  return {
    kind: 'tumbling',
    eventTime,
    merging: false,
    sizeMs,
    assign(ts) {
      const start = ts - mod(ts - offsetMs, sizeMs);
      return [{ start, end: start + sizeMs }];
    },
    describe: () => `tumbling ${sizeMs} ms${eventTime ? '' : ' (processing time)'}`,
  };
}

function sliding(sizeMs: number, slideMs: number, offsetMs: number, eventTime: boolean): WindowAssigner {
  checkPositive('window size', sizeMs);
  checkPositive('window slide', slideMs);
  return {
    kind: 'sliding',
    eventTime,
    merging: false,
    sizeMs,
    assign(ts) {
      const out: TimeWindow[] = [];
      const last = ts - mod(ts - offsetMs, slideMs);
      for (let start = last; start > ts - sizeMs; start -= slideMs) out.push({ start, end: start + sizeMs });
      return out;
    },
    describe: () => `sliding ${sizeMs} ms every ${slideMs} ms${eventTime ? '' : ' (processing time)'}`,
  };
}

export const TumblingEventTimeWindows = {
  of: (sizeMs: number, offsetMs = 0): WindowAssigner => tumbling(sizeMs, offsetMs, true),
};

export const TumblingProcessingTimeWindows = {
  of: (sizeMs: number, offsetMs = 0): WindowAssigner => tumbling(sizeMs, offsetMs, false),
};

export const SlidingEventTimeWindows = {
  of: (sizeMs: number, slideMs: number, offsetMs = 0): WindowAssigner => sliding(sizeMs, slideMs, offsetMs, true),
};

export const SlidingProcessingTimeWindows = {
  of: (sizeMs: number, slideMs: number, offsetMs = 0): WindowAssigner => sliding(sizeMs, slideMs, offsetMs, false),
};

export const EventTimeSessionWindows = {
  withGap(gapMs: number): WindowAssigner {
    checkPositive('session gap', gapMs);
    return {
      kind: 'session',
      eventTime: true,
      merging: true,
      assign: (ts) => [{ start: ts, end: ts + gapMs }],
      describe: () => `session gap ${gapMs} ms`,
    };
  },
};
