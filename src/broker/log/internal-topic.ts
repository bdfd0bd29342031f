// An internal compacted topic a coordinator keeps its state in (__consumer_offsets,
// __transaction_state), created on first use as Kafka does. Concurrent first uses share one creation;
// if an admin (or a racing request) created it meanwhile, that topic is used.
import type { LogManager, TopicInfo } from './log-manager.js';

export class InternalTopic {
  private creating: Promise<TopicInfo> | null = null;

  constructor(
    private readonly logs: LogManager,
    readonly name: string,
    private readonly partitionCount: number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The topic, if it exists already. */
  get existing(): TopicInfo | undefined {
    return this.logs.topic(this.name);
  }

  ensure(): Promise<TopicInfo> {
    const existing = this.existing;
    if (existing) return Promise.resolve(existing);
    this.creating ??= this.logs.createTopic(this.name, this.partitionCount, { 'cleanup.policy': 'compact' }).then(
      (t) => {
        this.log(`created ${this.name} with ${this.partitionCount} partition(s)`);
        return t;
      },
      (err: unknown) => {
        const t = this.existing;
        if (t) return t;
        throw err;
      },
    ).finally(() => (this.creating = null));
    return this.creating;
  }
}
