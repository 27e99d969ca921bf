import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../observability/logger';
import { today } from '../util/days';

export interface DemoCustomer {
  id: string;
  type: string;
}

export interface DemoProducerOptions {
  /** The landing root (`<dataDir>/landing/events`). */
  landingRoot: string;
  intervalMs: number;
  eventsPerFile: number;
  /** Customers to write events for (read once, at the first file). */
  customers: () => Promise<DemoCustomer[]>;
  logger: Logger;
  clock?: () => number;
}

const EVENT_TYPES = ['login', 'api_call', 'logout', 'purchase', 'permission_change', 'data_export', 'password_reset', 'payment_failed'];
const SOURCES = ['web', 'mobile', 'api', 'batch'];
const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'];
const SEVERITIES = ['INFO', 'INFO', 'INFO', 'LOW', 'MEDIUM', 'HIGH'];

/**
 * Development only: writes a small JSON Lines file of today's events into the
 * landing zone every few seconds, as a producer would (under a temporary name, then
 * renamed), so that a newcomer sees today's counts and the freshness lag move.
 */
export class DemoProducer {
  private timer: NodeJS.Timeout | undefined;
  private customers: DemoCustomer[] | undefined;
  private sequence = 0;
  private readonly clock: () => number;

  constructor(private readonly options: DemoProducerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.writeFile().catch((error: unknown) => this.options.logger.warn({ err: error }, 'demo producer: could not write a file')), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes one file now; returns its path (null when there is no customer to write for). */
  async writeFile(): Promise<string | null> {
    this.customers ??= await this.options.customers();
    if (this.customers.length === 0) return null;
    const now = this.clock();
    const day = today(new Date(now));
    const dir = path.join(this.options.landingRoot, `day=${day}`);
    await mkdir(dir, { recursive: true });
    const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
    const batch = `${stamp}-${process.pid}-${this.sequence++}`;
    const lines: string[] = [];
    for (let i = 0; i < this.options.eventsPerFile; i++) {
      const customer = this.customers[randomInt(this.customers.length)]!;
      const eventType = EVENT_TYPES[randomInt(EVENT_TYPES.length)]!;
      lines.push(
        JSON.stringify({
          event_id: `demo_${batch}_${String(i).padStart(4, '0')}`,
          occurred_at: new Date(Math.max(Date.parse(`${day}T00:00:00Z`), now - randomInt(Math.max(1, this.options.intervalMs)))).toISOString(),
          customer_id: customer.id,
          customer_type: customer.type,
          event_type: eventType,
          source: SOURCES[randomInt(SOURCES.length)],
          region: REGIONS[randomInt(REGIONS.length)],
          severity: SEVERITIES[randomInt(SEVERITIES.length)],
          attributes: { session_id: randomBytes(4).toString('hex'), demo: true },
        }),
      );
    }
    const target = path.join(dir, `demo-${batch}.jsonl`);
    const temporary = path.join(dir, `.demo-${batch}.jsonl`);
    await writeFile(temporary, `${lines.join('\n')}\n`);
    await rename(temporary, target);
    return target;
  }
}
