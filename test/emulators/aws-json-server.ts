import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal server for the AWS JSON protocols (awsJson1_0 / awsJson1_1), the wire
 * protocol of Athena, the Redshift Data API, Glue and DynamoDB: POST / with
 * `X-Amz-Target: <Prefix>.<Operation>`, a JSON body, a JSON answer, and errors as
 * HTTP 4xx/5xx with `{"__type": "...", "message": "..."}`. The real AWS SDK v3
 * clients talk to it unchanged through their `endpoint` setting.
 *
 * Emulators register one handler per operation. Faults can be injected per
 * operation (throttling, server errors, delays) to test retries and timeouts.
 */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * A handler's answer already serialized as JSON text, sent as is. For values that
 * JSON.stringify cannot write exactly, e.g. 64-bit integers beyond 2^53 that a real
 * service sends as plain JSON numbers.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

export type OperationHandler = (input: any, request: http.IncomingMessage) => unknown | Promise<unknown>;

export interface Fault {
  /** Operation name, or '*' for every operation. */
  operation: string;
  /** How many calls it affects (then it is removed). */
  times: number;
  error?: { type: string; message: string; status?: number };
  delayMs?: number;
}

export interface RecordedCall {
  operation: string;
  input: any;
  at: number;
}

export class AwsJsonServer {
  private readonly handlers = new Map<string, OperationHandler>();
  private readonly faults: Fault[] = [];
  private server: http.Server | undefined;
  /** Every call received, in order (for assertions on what the client sent). */
  readonly calls: RecordedCall[] = [];

  constructor(
    /** Target prefix, e.g. 'AmazonAthena', 'RedshiftData', 'AWSGlue', 'DynamoDB_20120810'. */
    readonly targetPrefix: string,
    /** '1.0' or '1.1' */
    readonly jsonVersion: '1.0' | '1.1' = '1.1',
  ) {}

  on(operation: string, handler: OperationHandler): this {
    this.handlers.set(operation, handler);
    return this;
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  callsOf(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const contentType = `application/x-amz-json-${this.jsonVersion}`;
    const send = (status: number, body: unknown) => {
      const text = body instanceof RawJson ? body.text : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': `req-${this.calls.length}-${Date.now().toString(36)}`,
      });
      res.end(text);
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, operation] = target.split('.');
      if (req.method !== 'POST' || prefix !== this.targetPrefix || !operation) {
        throw new AwsServiceError('UnknownOperationException', `Unknown target ${JSON.stringify(target)}`);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const input = text ? JSON.parse(text) : {};
      this.calls.push({ operation, input, at: Date.now() });

      const fault = this.faults.find((f) => f.operation === operation || f.operation === '*');
      if (fault) {
        fault.times -= 1;
        if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.error) throw new AwsServiceError(fault.error.type, fault.error.message, fault.error.status ?? 400);
      }

      const handler = this.handlers.get(operation);
      if (!handler) throw new AwsServiceError('UnknownOperationException', `Operation ${operation} is not emulated`);
      const output = await handler(input, req);
      send(200, output ?? {});
    } catch (error) {
      if (error instanceof AwsServiceError) {
        send(error.status, { __type: error.type, message: error.message, ...error.extra });
      } else {
        send(500, { __type: 'InternalServerException', message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
