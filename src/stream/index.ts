// Kappa's stream processing library: build a job with the DataStream API, run it in memory or on a
// Kafka cluster. See docs/stream.md.
export { StreamJob, type StreamJobOptions, type TopicSourceOptions, type ItemsSourceOptions, type FileSourceOptions } from './job.js';
export { DataStream, KeyedStream, WindowedStream, type TopicSinkOptions } from './data-stream.js';
export { Serdes, type Serde } from './serdes.js';
export { WatermarkStrategies, type WatermarkStrategy } from './time/watermark-strategy.js';
export { OutputTag, NO_WATERMARK, END_OF_TIME, type TimeWindow, type ValueState, type MapState, type ListState, type KeyedStateStore, type TimerService } from './types.js';
export { TumblingEventTimeWindows, TumblingProcessingTimeWindows, SlidingEventTimeWindows, SlidingProcessingTimeWindows, EventTimeSessionWindows, type WindowAssigner } from './windows/assigners.js';
export type { AggregateFunction, WindowResultContext } from './windows/window-operator.js';
export type { ProcessFunction, ProcessContext } from './runtime/basic-operators.js';
export { runInMemory, type LocalRunOptions, type RunSummary } from './runtime/local-runner.js';
export type { JobMetrics, OperatorMetrics, TaskMetrics } from './runtime/metrics.js';
export { KTable } from './joins/table.js';
export { ConnectedStreams, JoinedStreams, WindowJoin, IntervalJoinBuilder, IntervalJoin } from './joins/api.js';
export type { KeyedCoProcessFunction } from './joins/co-process.js';
export type { WindowJoinContext } from './joins/window-join.js';
export type { IntervalJoinContext } from './joins/interval-join.js';
